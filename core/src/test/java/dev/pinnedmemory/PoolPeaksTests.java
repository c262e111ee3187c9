package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Peaks of a pool and its budget, and the time its backend takes to allocate and free. */
class PoolPeaksTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("peaks-tests-reclaimer");
    private static final long BYTES = 4096;

    private static PinnedMemoryPool.Builder<byte[]> pool(Allocator allocator) {
        return PinnedMemoryPool.builder(ElementType.BYTE).allocator(allocator).bufferSize((int) BYTES).maxSize(1)
                .clearOnReturn(false).name("peaks");
    }

    private static List<PinnedBuffer<byte[]>> rent(PinnedMemoryPool<byte[]> pool, int count) {
        List<PinnedBuffer<byte[]>> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            buffers.add(pool.rent());
        }
        return buffers;
    }

    @Test
    void peaksShouldKeepTheHighestBytesAndBuffersInUseAfterTheyFallAndStartAgainWhenReset() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<byte[]> pool = pool(new LeakRecorder().allocator(backend, RECLAIMER)).build()) {
            rent(pool, 3).forEach(PinnedBuffer::close);   // maxSize 1: two of the three are freed

            PoolStats stats = pool.stats();
            assertThat(stats.pinnedBytes()).isEqualTo(BYTES);
            assertThat(stats.peakPinnedBytes()).isEqualTo(3 * BYTES);
            assertThat(stats.inUse()).isZero();
            assertThat(stats.peakInUse()).isEqualTo(3);
            assertThat(pool.metrics().peakPinnedBytes()).isEqualTo(3 * BYTES);
            assertThat(pool.metrics().peakInUse()).isEqualTo(3);

            try (PinnedBuffer<byte[]> held = pool.rent()) {
                pool.metrics().resetPeaks();
                PoolStats reset = pool.stats();
                assertThat(reset.peakPinnedBytes()).as("from what the pool holds now").isEqualTo(BYTES);
                assertThat(reset.peakInUse()).as("from what is rented now").isEqualTo(1);
                assertThat(reset.rents()).as("counts stay").isEqualTo(4);
            }
        }
    }

    @Test
    void aBurstServedOnlyByIdleBuffersShouldRaiseThePeakInUseWhenInUseIsRead() {
        try (PinnedMemoryPool<byte[]> pool = pool(new LeakRecorder().allocator(Backends.MLOCK, RECLAIMER))
                .initialSize(3).maxSize(3).build()) {
            List<PinnedBuffer<byte[]>> burst = rent(pool, 3);
            assertThat(pool.stats().misses()).as("all hits").isZero();
            assertThat(pool.metrics().peakInUse()).isEqualTo(3);
            burst.forEach(PinnedBuffer::close);
            assertThat(pool.stats().peakInUse()).isEqualTo(3);
            assertThat(pool.stats().peakPinnedBytes()).isEqualTo(3 * BYTES);
        }
    }

    @Test
    void theBackendsAllocationsAndFreesShouldBeTimedAndHitsShouldNotBe() throws Exception {
        ManualClock clock = new ManualClock();
        Duration allocate = Duration.ofMillis(5);
        Duration free = Duration.ofMillis(7);
        Allocator allocator = new Allocator(clock.slowBackend(Backends.MLOCK, allocate, free), RECLAIMER,
                new LeakRecorder(), clock);
        try (PinnedMemoryPool<byte[]> pool = pool(allocator).build()) {
            rent(pool, 3).forEach(PinnedBuffer::close);
            assertThat(RECLAIMER.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
            pool.rent().close();                          // a hit: no backend call, nothing timed

            PoolStats stats = pool.stats();
            assertThat(stats.allocations()).isEqualTo(3);
            assertThat(stats.allocationNanos()).isEqualTo(3 * allocate.toNanos());
            assertThat(stats.maxAllocationNanos()).isEqualTo(allocate.toNanos());
            assertThat(stats.frees()).as("the two returns maxSize did not keep").isEqualTo(2);
            assertThat(stats.freeNanos()).isEqualTo(2 * free.toNanos());
            assertThat(stats.maxFreeNanos()).isEqualTo(free.toNanos());
            assertThat(pool.metrics().allocations()).isEqualTo(3);
            assertThat(pool.metrics().freeNanos()).isEqualTo(2 * free.toNanos());

            pool.metrics().resetPeaks();
            assertThat(pool.stats().maxAllocationNanos()).isZero();
            assertThat(pool.stats().maxFreeNanos()).isZero();
            assertThat(pool.stats().allocationNanos()).as("sums stay").isEqualTo(3 * allocate.toNanos());
        }
    }

    @Test
    void freesOfABackendThatGivesMemoryBackAtOnceShouldBeTimedWhereItDoes() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<byte[]> pool = pool(new LeakRecorder().allocator(backend, RECLAIMER)).build()) {
            rent(pool, 2).forEach(PinnedBuffer::close);
            PoolStats stats = pool.stats();
            assertThat(stats.frees()).isEqualTo(backend.frees()).isEqualTo(1);
            assertThat(stats.freeNanos()).isPositive();
            assertThat(stats.maxFreeNanos()).isEqualTo(stats.freeNanos());
        }
    }

    @Test
    void theBudgetShouldKeepItsPeakUntilReset() {
        MemoryBudget budget = new MemoryBudget(10 * BYTES);
        try (PinnedMemoryPool<byte[]> pool = pool(new LeakRecorder().allocator(Backends.MLOCK, RECLAIMER))
                .budget(budget).build()) {
            rent(pool, 3).forEach(PinnedBuffer::close);
            assertThat(budget.usedBytes()).isEqualTo(BYTES);
            assertThat(budget.peakBytes()).isEqualTo(3 * BYTES);
            budget.resetPeak();
            assertThat(budget.peakBytes()).isEqualTo(BYTES);
        }
        assertThat(budget.peakBytes()).isEqualTo(BYTES);
    }
}
