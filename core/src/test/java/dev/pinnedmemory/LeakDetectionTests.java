package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class LeakDetectionTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("leak-tests-reclaimer");

    @Test
    void aRentedBufferDroppedWithoutReturnShouldBeFreedAndCountedAndThePoolStayConsistent() throws Exception {
        long before = LockedMemory.lockedKb();
        long globalBefore = LeakDetector.totalLeaks();
        LeakRecorder leaks = new LeakRecorder();
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks)
                .bufferSize(1 << 20).leakDetection(LeakDetectionLevel.PARANOID).name("leaky").build()) {
            rentAndDrop(pool);
            PinnedBuffer<byte[]> kept = pool.rent();
            MemorySegment keptMemory = kept.segment();
            // 2048 kB locked, or 1024 when a GC already freed the dropped one: the kept one is surely locked
            assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(1024);

            leaks.awaitReports(1, () -> pool.stats().leaks() == 1);

            PoolStats stats = pool.stats();
            assertThat(stats.leaks()).isEqualTo(1);
            assertThat(stats.inUse()).isEqualTo(1);
            assertThat(stats.allocated()).isEqualTo(1);
            assertThat(stats.pinnedBytes()).isEqualTo(1 << 20);
            assertThat(LeakDetector.totalLeaks() - globalBefore).isGreaterThanOrEqualTo(1);
            assertThat(leaks.reports).singleElement().satisfies(report -> {
                assertThat(report.what()).contains("1048576 BYTE elements", "pool 'leaky'");
                assertThat(report.site()).hasMessageContaining("rented from pinned-memory pool 'leaky'");
                assertThat(report.abandoned()).isFalse();
            });
            assertThat(LockedMemory.lockedKb() - before).isBetween(1024L, 1100L);
            kept.close();
            assertThat(pool.stats().idle()).isEqualTo(1);
            try (PinnedBuffer<byte[]> again = pool.rent()) {
                assertThat(again).isNotSameAs(kept);
                assertThat(again.address()).isEqualTo(keptMemory.address());
            }
        }
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void aStandaloneBufferAndAPinnedArrayDroppedShouldBeFreedAndCounted() throws Exception {
        long before = LockedMemory.lockedKb();
        long globalBefore = LeakDetector.totalLeaks();
        LeakRecorder leaks = new LeakRecorder();
        PinnedMemoryHelper helper = new PinnedMemoryHelper(Backends.MLOCK_SELECTION, PinningStrategySelector.defaults(),
                LeakDetectionLevel.SIMPLE, MemoryBudget.unlimited(), leaks.allocator(Backends.MLOCK, RECLAIMER));
        allocateAndDrop(helper);
        assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(1024);

        leaks.awaitReports(2, () -> helper.leakCount() == 2);
        assertThat(LeakDetector.totalLeaks() - globalBefore).isGreaterThanOrEqualTo(2);

        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void anIdleBufferShouldNeverCountAsALeak() {
        LeakRecorder leaks = new LeakRecorder();
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks)
                .bufferSize(4096).initialSize(2).maxSize(2).build()) {
            pool.rent().close();
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            assertThat(pool.stats().leaks()).isZero();
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(leaks.reports).isEmpty();
        }
    }

    @Test
    void aClosedLeaseShouldNotKeepItsBufferFromBeingDetectedWhenTheNextRenterDropsIt() throws Exception {
        LeakRecorder leaks = new LeakRecorder();
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks)
                .bufferSize(4096).maxSize(1).name("relent").build()) {
            PinnedBuffer<byte[]> stale = pool.rent();
            stale.close();
            rentAndDrop(pool);                    // the same memory, a new lease, dropped unclosed
            leaks.awaitReports(1, () -> pool.stats().leaks() == 1);
            assertThat(stale.isPinned()).isFalse();  // the stale lease is still reachable here, and did not hide the leak
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    private static void rentAndDrop(PinnedMemoryPool<byte[]> pool) {
        pool.rent().fill(1);
    }

    private static void allocateAndDrop(PinnedMemoryHelper helper) {
        helper.allocateUnmanaged(ElementType.BYTE, 512 << 10).fill(1);
        helper.pin(new int[128 << 10]);
    }
}
