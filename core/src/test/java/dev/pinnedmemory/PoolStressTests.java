package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Eight renters on three pools that share one small budget, each renter on its own pool, for a
 * bounded time ({@code -Dpinnedmemory.stress.seconds=N}, default 3), while everything that could
 * break ownership runs at once: a resizer on two pools, a "DMA engine" that checks fenced memory is
 * left alone until it completes the fence, a thread that keeps using and closing stale leases, a
 * stats reader, a thread that keeps interrupting the background thread, and a sampler that checks
 * the budget's ceiling continuously. One pool's warm buffers ({@code initialSize}) take most of the
 * budget, so the others' renters are served only if idle memory is shared. Proves exclusive
 * ownership (no two holders, nothing in flight re-rented), a budget never exceeded, every pool's
 * renters served, nothing lost, books that add up, and no locked memory left behind.
 */
class PoolStressTests {

    private static final int RENTERS = 8;
    private static final long SECONDS = Long.getLong("pinnedmemory.stress.seconds", 3);
    private static final long BUDGET = 64 << 10;

    private record InFlight(MemorySegment memory, int owner, CompletableFuture<Void> done) {
    }

    private record StaleLease(PinnedBuffer<int[]> buffer, PinnedMemoryPool<int[]> pool) {
    }

    @Test
    void rentersResizerFencesStaleClosersAndSamplersShouldNeverBreakOwnershipNorTheBudget() throws Exception {
        long lockedBefore = LockedMemory.lockedKb();
        Reclaimer reclaimer = new Reclaimer("stress-reclaimer");
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        LeakRecorder leaks = new LeakRecorder();
        MemoryBudget budget = new MemoryBudget(BUDGET);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Map<Long, Integer> holders = new ConcurrentHashMap<>();
        Map<Long, Integer> inFlight = new ConcurrentHashMap<>();
        BlockingQueue<InFlight> dma = new LinkedBlockingQueue<>();
        BlockingQueue<StaleLease> stale = new LinkedBlockingQueue<>(1024);
        AtomicLong cycles = new AtomicLong();
        AtomicLong fencedCycles = new AtomicLong();
        AtomicLong timeouts = new AtomicLong();
        AtomicLong resizes = new AtomicLong();
        AtomicLong refusedResizes = new AtomicLong();
        AtomicLong staleUses = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        AtomicLong violations = new AtomicLong();
        AtomicLong interrupts = new AtomicLong();
        AtomicLongArray served = new AtomicLongArray(3);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        Allocator allocator = leaks.allocator(backend, reclaimer);
        try (PinnedMemoryPool<int[]> classes = PinnedMemoryPool.builder(ElementType.INT).allocator(allocator)
                     .bufferSize(1024).minBufferSize(256).initialSize(2).maxSize(3).budget(budget).name("classes").build();
             PinnedMemoryPool<int[]> fixed = PinnedMemoryPool.builder(ElementType.INT).allocator(allocator)
                     .bufferSize(512).initialSize(2).maxSize(3).budget(budget).name("fixed").build();
             PinnedMemoryPool<int[]> warm = PinnedMemoryPool.builder(ElementType.INT).allocator(allocator)
                     .bufferSize(4096).initialSize(3).maxSize(3).budget(budget).name("warm").build()) {
            // 8 + 4 + 48 KiB warm of 64 KiB: the first two pools' renters live on the third's idle buffers.
            List<PinnedMemoryPool<int[]>> pools = List.of(classes, fixed, warm);
            CountDownLatch start = new CountDownLatch(1);
            CountDownLatch rentersDone = new CountDownLatch(RENTERS);
            List<Thread> threads = new ArrayList<>();
            for (int id = 1; id <= RENTERS; id++) {
                int owner = id;
                threads.add(Thread.ofPlatform().name("renter-" + id).start(() -> guard(failures, () -> {
                  try {
                    start.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    int poolIndex = owner % pools.size();
                    PinnedMemoryPool<int[]> pool = pools.get(poolIndex);
                    while (System.nanoTime() < deadline) {
                        int length = 1 + random.nextInt(pool.bufferSize());
                        PinnedBuffer<int[]> buffer;
                        try {
                            buffer = pool.rent(length, Duration.ofMillis(200));
                        } catch (MemoryBudgetExceededException e) {
                            timeouts.incrementAndGet();
                            continue;
                        } catch (IllegalArgumentException shrunk) {
                            continue;   // a resize made the pool smaller between bufferSize() and rent
                        }
                        long address = buffer.address();
                        if (inFlight.containsKey(address)) {
                            throw new AssertionError("rented memory a transfer still uses: " + buffer);
                        }
                        Integer other = holders.putIfAbsent(address, owner);
                        if (other != null) {
                            throw new AssertionError("two holders (" + other + ", " + owner + ") of " + buffer);
                        }
                        buffer.fill(owner);
                        MemorySegment memory = buffer.segment();
                        for (int i = 0; i < buffer.length(); i++) {
                            if (memory.getAtIndex(ValueLayout.JAVA_INT, i) != owner) {
                                throw new AssertionError("renter " + owner + " found another's data in " + buffer);
                            }
                        }
                        holders.remove(address);
                        served.incrementAndGet(poolIndex);
                        if (random.nextInt(4) == 0) {
                            CompletableFuture<Void> done = new CompletableFuture<>();
                            inFlight.put(address, owner);
                            buffer.closeAfter(TransferFence.of(done));
                            dma.add(new InFlight(memory, owner, done));
                            fencedCycles.incrementAndGet();
                        } else {
                            buffer.close();
                        }
                        stale.offer(new StaleLease(buffer, pool));
                        cycles.incrementAndGet();
                    }
                  } finally {
                    rentersDone.countDown();
                  }
                })));
            }
            threads.add(Thread.ofPlatform().name("dma").start(() -> guard(failures, () -> {
                start.await();
                while (rentersDone.getCount() > 0 || !dma.isEmpty()) {
                    InFlight transfer = dma.poll(10, TimeUnit.MILLISECONDS);
                    if (transfer == null) {
                        continue;
                    }
                    for (long i = 0; i < transfer.memory().byteSize() / Integer.BYTES; i++) {
                        if (transfer.memory().getAtIndex(ValueLayout.JAVA_INT, i) != transfer.owner()) {
                            throw new AssertionError("fenced memory was changed before its fence completed");
                        }
                    }
                    inFlight.remove(transfer.memory().address());
                    transfer.done().complete(null);
                }
            })));
            threads.add(Thread.ofPlatform().name("stale-closer").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    StaleLease lease = stale.poll(10, TimeUnit.MILLISECONDS);
                    if (lease == null) {
                        continue;
                    }
                    PinnedBuffer<int[]> old = lease.buffer();
                    old.close();
                    old.unpin();
                    expectRefused(() -> old.segment());
                    expectRefused(() -> old.fill(-1));
                    expectRefused(() -> old.closeAfter(TransferFence.of(CompletableFuture.completedFuture(null))));
                    expectRefused(() -> lease.pool().returnBuffer(old));
                    staleUses.incrementAndGet();
                }
            })));
            threads.add(Thread.ofPlatform().name("resizer").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    for (PinnedMemoryPool<int[]> pool : List.of(classes, fixed)) {
                        int base = pool == classes ? 1024 : 512;
                        try {
                            pool.resize(pool.bufferSize() == base ? base * 3 / 2 : base);
                            resizes.incrementAndGet();
                        } catch (MemoryBudgetExceededException e) {
                            refusedResizes.incrementAndGet();
                        }
                    }
                    Thread.yield();
                }
            })));
            threads.add(Thread.ofPlatform().name("budget-sampler").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    if (budget.usedBytes() > budget.limitBytes()) {
                        violations.incrementAndGet();
                    }
                    samples.incrementAndGet();
                }
            })));
            threads.add(Thread.ofPlatform().name("interrupter").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    reclaimer.thread().interrupt();   // code that interrupts threads it does not own
                    interrupts.incrementAndGet();
                    Thread.yield();
                }
            })));
            threads.add(Thread.ofPlatform().name("stats-reader").start(() -> guard(failures, () -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    for (PinnedMemoryPool<int[]> pool : pools) {
                        PoolStats stats = pool.stats();
                        if (stats.inUse() < 0 || stats.inUse() > 2 * RENTERS || stats.pinnedBytes() > BUDGET) {
                            throw new AssertionError("impossible stats under load: " + stats);
                        }
                    }
                }
            })));
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            // Any fence the DMA thread completed last is collected by the reclaimer; wait for it on the pools' own books.
            for (PinnedMemoryPool<int[]> pool : pools) {
                awaitNoFences(pool);
            }
            System.out.printf("stress: %d s, %d renters: %d verified cycles (%d fenced; served per pool %s), %d rent "
                            + "timeouts, %d resizes (%d refused for budget), %d stale-lease misuses refused, %d "
                            + "interrupts of the reclaimer, %d budget samples, %d over the ceiling%n", SECONDS, RENTERS,
                    cycles.get(), fencedCycles.get(), served, timeouts.get(), resizes.get(), refusedResizes.get(),
                    staleUses.get(), interrupts.get(), samples.get(), violations.get());
            assertThat(violations.get()).as("samples over the budget's ceiling").isZero();
            for (int i = 0; i < pools.size(); i++) {
                assertThat(served.get(i)).as("renters of pool '%s' served", pools.get(i).name()).isPositive();
            }
            assertThat(interrupts.get()).isPositive();
            long rents = 0;
            for (PinnedMemoryPool<int[]> pool : pools) {
                PoolStats quiet = pool.stats();
                System.out.println("stress: " + quiet);
                assertThat(quiet.inUse()).isZero();
                assertThat(quiet.fenced()).isZero();
                assertThat(quiet.allocated()).isEqualTo(quiet.idle());
                assertThat(quiet.rents()).isEqualTo(quiet.returns() + quiet.leaks());
                assertThat(quiet.leaks()).isZero();
                assertThat(quiet.requestedBytes()).isLessThanOrEqualTo(quiet.backingBytes());
                rents += quiet.rents();
            }
            assertThat(rents).isEqualTo(cycles.get());
            assertThat(budget.usedBytes()).isEqualTo(classes.stats().pinnedBytes() + fixed.stats().pinnedBytes()
                    + warm.stats().pinnedBytes());
            assertThat(backend.liveBlocks()).isEqualTo(classes.stats().idle() + fixed.stats().idle()
                    + warm.stats().idle());
            assertThat(cycles.get()).isGreaterThan(RENTERS);
            assertThat(fencedCycles.get()).isPositive();
            assertThat(staleUses.get()).isPositive();
            assertThat(resizes.get()).isPositive();
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.frees()).isEqualTo(backend.allocations());
        assertThat(backend.doubleFrees()).isZero();
        assertThat(budget.usedBytes()).isZero();
        assertThat(LockedMemory.lockedKb()).isEqualTo(lockedBefore);
        assertThat(reclaimer.awaitIdle(30, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.reclaimed()).isEqualTo(backend.allocations());
        assertThat(reclaimer.failures()).isZero();
        assertThat(leaks.reports).isEmpty();
    }

    @Test
    void buffersDroppedFromSeveralThreadsShouldAllBeDetectedFreedAndCounted() throws Exception {
        long lockedBefore = LockedMemory.lockedKb();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        LeakRecorder leaks = new LeakRecorder();
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, new Reclaimer("dropper-reclaimer"),
                leaks).bufferSize(64 << 10).maxSize(4).leakDetection(LeakDetectionLevel.DISABLED).name("dropper").build()) {
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
            PoolStats dropped = pool.stats();    // a GC may already have found some of them
            assertThat(dropped.inUse() + dropped.leaks()).isEqualTo(20);

            leaks.awaitReports(20, () -> pool.stats().leaks() == 20);

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

    private static void awaitNoFences(PinnedMemoryPool<int[]> pool) throws InterruptedException {
        MemoryBudget budget = pool.budget();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // A waiting rent returns as soon as the last fenced buffer is collected and goes idle or is freed.
        while (pool.stats().fenced() > 0 && System.nanoTime() < deadline) {
            budget.enterWait();
            try {
                long seen = budget.changes();
                if (pool.stats().fenced() > 0) {
                    budget.awaitChange(seen, TimeUnit.MILLISECONDS.toNanos(100));
                }
            } finally {
                budget.exitWait();
            }
        }
    }

    private static void expectRefused(Runnable misuse) {
        try {
            misuse.run();
        } catch (IllegalStateException expected) {
            return;
        }
        throw new AssertionError("a stale lease was used without IllegalStateException");
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
