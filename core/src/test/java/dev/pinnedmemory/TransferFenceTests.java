package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Memory in flight is never rented, cleared or freed before its fence completes. */
class TransferFenceTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("fence-tests-reclaimer");

    /** A fence over a future that counts its closes. */
    private static final class CountingFence implements TransferFence {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public boolean isComplete() {
            return done.isDone();
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private static PinnedMemoryPool.Builder<int[]> pool(CountingBackend backend) {
        return Backends.pool(ElementType.INT, backend, RECLAIMER, new LeakRecorder()).bufferSize(1024).maxSize(2)
                .name("fenced");
    }

    @Test
    void memoryInFlightShouldNeverBeRentedClearedOrFreedUntilItsFenceCompletes() throws Exception {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<int[]> pool = pool(backend).maxSize(1).build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            buffer.fill(7);
            MemorySegment inFlight = buffer.segment();     // what the "DMA engine" reads
            CountingFence fence = new CountingFence();
            buffer.closeAfter(fence);

            assertThatThrownBy(buffer::segment).isInstanceOf(IllegalStateException.class);
            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(pool.stats().inUse()).isZero();
            assertThat(pool.stats().idle()).isZero();
            try (PinnedBuffer<int[]> other = pool.rent()) {
                assertThat(other.address()).as("a new buffer, not the one in flight").isNotEqualTo(inFlight.address());
                other.fill(9);
            }
            assertThat(inFlight.getAtIndex(ValueLayout.JAVA_INT, 1023)).as("neither cleared nor overwritten").isEqualTo(7);
            assertThat(fence.closes.get()).isZero();

            fence.done.complete(null);
            awaitFenced(pool, 0);
            assertThat(fence.closes.get()).isEqualTo(1);
            PoolStats stats = pool.stats();
            assertThat(stats.idle()).isEqualTo(1);
            assertThat(stats.allocated()).isEqualTo(1);
            try (PinnedBuffer<int[]> reused = pool.rent()) {
                assertThat(reused.toArray()).as("cleared before it is rented again").containsOnly(0);
            }
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.doubleFrees()).isZero();
    }

    @Test
    void anAlreadyCompleteFenceShouldBehaveExactlyLikeClose() {
        try (PinnedMemoryPool<int[]> pool = pool(new CountingBackend(Backends.MLOCK)).build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            long address = buffer.address();
            CountingFence fence = new CountingFence();
            fence.done.complete(null);
            buffer.closeAfter(fence);
            assertThat(fence.closes.get()).isEqualTo(1);
            assertThat(pool.stats().fenced()).isZero();
            assertThat(pool.stats().idle()).isEqualTo(1);
            try (PinnedBuffer<int[]> next = pool.rent()) {
                assertThat(next.address()).isEqualTo(address);
            }
        }
    }

    @Test
    void closingThePoolShouldNotFreeFencedMemoryUntilItsFenceCompletes() throws Exception {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        PinnedMemoryPool<int[]> pool = pool(backend).build();
        PinnedBuffer<int[]> buffer = pool.rent();
        long lockedWhileFenced = LockedMemory.lockedKb();
        CountingFence fence = new CountingFence();
        buffer.closeAfter(fence);
        pool.close();
        assertThat(pool.stats().fenced()).isEqualTo(1);
        assertThat(backend.liveBlocks()).isEqualTo(1);
        assertThat(LockedMemory.lockedKb()).isEqualTo(lockedWhileFenced);

        fence.done.complete(null);
        awaitFenced(pool, 0);
        assertThat(backend.liveBlocks()).isZero();
        assertThat(pool.stats().pinnedBytes()).isZero();
        assertThat(fence.closes.get()).isEqualTo(1);
    }

    @Test
    void aFenceThatThrowsShouldKeepItsMemoryHeld() throws Exception {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        AtomicBoolean broken = new AtomicBoolean(true);
        try (PinnedMemoryPool<int[]> pool = pool(backend).build()) {
            pool.rent().closeAfter(() -> {
                if (broken.get()) {
                    throw new IllegalStateException("injected: the device is gone");
                }
                return true;
            });
            for (int i = 0; i < 5; i++) {
                pool.rent().close();
            }
            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(backend.liveBlocks()).isEqualTo(2);
            broken.set(false);
            awaitFenced(pool, 0);
            assertThat(pool.stats().idle()).isEqualTo(2);
        }
    }

    @Test
    void aStandaloneBufferClosedAfterAFenceShouldBeFreedWhenItCompletes() throws Exception {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        PinnedMemoryHelper helper = Backends.helper(backend, RECLAIMER);
        PinnedBuffer<float[]> buffer = helper.allocateUnmanaged(ElementType.FLOAT, 256);
        CountingFence fence = new CountingFence();
        buffer.closeAfter(fence);
        assertThat(backend.liveBlocks()).isEqualTo(1);
        assertThat(buffer.isPinned()).isFalse();
        fence.done.complete(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backend.liveBlocks() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(fence.closes.get()).isEqualTo(1);
    }

    @Test
    void closeAfterOnAClosedLeaseShouldThrowAndCloseTheFence() {
        try (PinnedMemoryPool<int[]> pool = pool(new CountingBackend(Backends.MLOCK)).build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            buffer.close();
            CountingFence fence = new CountingFence();
            assertThatThrownBy(() -> buffer.closeAfter(fence)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closeAfter came too late");
            assertThat(fence.closes.get()).isEqualTo(1);
            PinnedBuffer<int[]> open = pool.rent();     // a null fence is refused before the lease is taken
            assertThatThrownBy(() -> open.closeAfter(null)).isInstanceOf(NullPointerException.class);
            assertThat(pool.stats().inUse()).isEqualTo(1);
            open.close();
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    /** Waits for the pool's fenced count, woken by the pool's own signal (a buffer going idle or freed). */
    static void awaitFenced(PinnedMemoryPool<?> pool, int fenced) throws InterruptedException {
        MemoryBudget budget = pool.budget();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        budget.enterWait();
        try {
            while (pool.stats().fenced() != fenced && System.nanoTime() < deadline) {
                long seen = budget.changes();
                if (pool.stats().fenced() != fenced) {
                    budget.awaitChange(seen, TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        } finally {
            budget.exitWait();
        }
        assertThat(pool.stats().fenced()).isEqualTo(fenced);
    }

    @Test
    void aFenceThatThrowsAnErrorAtCloseAfterShouldKeepItsMemoryHeldNotLeakIt() throws Exception {
        LeakRecorder leaks = new LeakRecorder();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        AtomicBoolean broken = new AtomicBoolean(true);
        try (PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, backend, RECLAIMER, leaks).bufferSize(256)
                .name("erroring-fence").build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            buffer.fill(7);
            MemorySegment inFlight = buffer.segment();
            buffer.closeAfter(() -> {
                if (broken.get()) {
                    throw new AssertionError("injected: a native library failed to load");
                }
                return true;
            });
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(backend.liveBlocks()).isEqualTo(1);
            assertThat(inFlight.getAtIndex(ValueLayout.JAVA_INT, 255)).isEqualTo(7);
            broken.set(false);
            TransferFenceTests.awaitFenced(pool, 0);
            assertThat(pool.stats().idle()).isEqualTo(1);
        }
        assertThat(leaks.reports).isEmpty();
    }
}
