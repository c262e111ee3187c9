package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Eight renters, a resizer and a stats reader on one pool for a bounded time
 * ({@code -Dpinnedmemory.stress.seconds=N}, default 3): exclusive ownership, nothing lost,
 * books that add up, and no locked memory left behind.
 */
class PoolStressTests {

    private static final int RENTERS = 8;
    private static final long SECONDS = Long.getLong("pinnedmemory.stress.seconds", 3);

    @Test
    void rentersResizerAndStatsReaderShouldNeverShareABufferNorLoseOne() throws Exception {
        long lockedBefore = LockedMemory.lockedKb();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Set<PinnedBuffer<int[]>> held = ConcurrentHashMap.newKeySet();
        AtomicLong operations = new AtomicLong();
        AtomicLong resizes = new AtomicLong();
        long deadline = System.nanoTime() + SECONDS * 1_000_000_000L;
        try (PinnedMemoryPool<int[]> pool = PinnedMemoryPool.builder(ElementType.INT).bufferSize(1024).initialSize(2)
                .maxSize(6).backend(backend).name("stress").build()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int id = 1; id <= RENTERS; id++) {
                int owner = id;
                threads.add(Thread.ofPlatform().name("renter-" + id).start(() -> guard(failures, () -> {
                    start.await();
                    while (System.nanoTime() < deadline) {
                        PinnedBuffer<int[]> buffer = pool.rent();
                        if (!held.add(buffer)) {
                            throw new AssertionError("two holders of one buffer: " + buffer);
                        }
                        buffer.fill(owner);
                        MemorySegment segment = buffer.segment();
                        for (int i = 0; i < buffer.length(); i++) {
                            int seen = segment.getAtIndex(ValueLayout.JAVA_INT, i);
                            if (seen != owner) {
                                throw new AssertionError("renter " + owner + " found " + seen + " at " + i);
                            }
                        }
                        held.remove(buffer);
                        buffer.close();
                        operations.incrementAndGet();
                    }
                })));
            }
            threads.add(Thread.ofPlatform().name("resizer").start(() -> guard(failures, () -> {
                start.await();
                int size = 1024;
                while (System.nanoTime() < deadline) {
                    size = size == 1024 ? 1536 : 1024;
                    pool.resize(size);
                    resizes.incrementAndGet();
                    Thread.yield();
                }
            })));
            threads.add(Thread.ofPlatform().name("stats-reader").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    PoolStats stats = pool.stats();
                    // Not a snapshot under load: a thread that rents and returns during the scan may be
                    // seen holding two buffers. Exactness is checked when the pool is quiet, below.
                    if (stats.idle() > stats.maxSize() || stats.inUse() > 2 * RENTERS || stats.inUse() < 0) {
                        throw new AssertionError("impossible stats under load: " + stats);
                    }
                }
            })));
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            PoolStats quiet = pool.stats();
            System.out.printf("stress: %d s, %d renters: %d rent/fill/verify/return cycles, %d resizes, %s%n",
                    SECONDS, RENTERS, operations.get(), resizes.get(), quiet);
            assertThat(quiet.inUse()).isZero();
            assertThat(quiet.allocated()).isEqualTo(quiet.idle() + quiet.inUse());
            assertThat(quiet.rents()).isEqualTo(quiet.returns() + quiet.inUse() + quiet.leaks());
            assertThat(quiet.rents()).isEqualTo(operations.get());
            assertThat(quiet.leaks()).isZero();
            assertThat(quiet.pinnedBytes()).isEqualTo(quiet.idle() * quiet.bufferBytes());
            assertThat(backend.liveBlocks()).isEqualTo(quiet.idle());
            assertThat(operations.get()).isGreaterThan(RENTERS);
            assertThat(resizes.get()).isPositive();
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.frees()).isEqualTo(backend.allocations());
        assertThat(backend.doubleFrees()).isZero();
        assertThat(LockedMemory.lockedKb()).isEqualTo(lockedBefore);
        assertThat(Reclaimer.awaitIdle(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(backend.reclaimed()).isEqualTo(backend.allocations());
    }

    @Test
    void buffersDroppedFromSeveralThreadsShouldAllBeDetectedFreedAndCounted() throws Exception {
        long lockedBefore = LockedMemory.lockedKb();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64 << 10)
                .maxSize(4).backend(backend).leakDetection(LeakDetectionLevel.DISABLED).name("dropper").build()) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 5; i++) {
                        pool.rent().fill(1);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(pool.stats().inUse()).isEqualTo(20);

            Gc.untilLeaksReported(20, () -> pool.stats().leaks() == 20);

            PoolStats stats = pool.stats();
            assertThat(stats.inUse()).isZero();
            assertThat(stats.pinnedBytes()).isZero();
            assertThat(stats.rents()).isEqualTo(stats.returns() + stats.inUse() + stats.leaks());
            try (PinnedBuffer<byte[]> stillWorks = pool.rent()) {
                assertThat(stillWorks.length()).isEqualTo(64 << 10);
            }
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.doubleFrees()).isZero();
        assertThat(LockedMemory.lockedKb()).isEqualTo(lockedBefore);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void guard(Queue<Throwable> failures, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failures.add(t);
        }
    }
}
