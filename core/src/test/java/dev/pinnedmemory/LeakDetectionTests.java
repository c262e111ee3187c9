package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LeakDetectionTests {

    @Test
    void aRentedBufferDroppedWithoutReturnShouldBeFreedAndCountedAndThePoolStayConsistent() throws Exception {
        long before = LockedMemory.lockedKb();
        long globalBefore = LeakDetector.totalLeaks();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(Backends.MLOCK).leakDetection(LeakDetectionLevel.PARANOID).name("leaky").build()) {
            rentAndDrop(pool);
            PinnedBuffer<byte[]> kept = pool.rent();
            assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(2048);

            Gc.untilLeaksReported(1, () -> pool.stats().leaks() == 1);

            PoolStats stats = pool.stats();
            assertThat(stats.leaks()).isEqualTo(1);
            assertThat(stats.inUse()).isEqualTo(1);
            assertThat(stats.allocated()).isEqualTo(1);
            assertThat(stats.pinnedBytes()).isEqualTo(1 << 20);
            assertThat(LeakDetector.totalLeaks() - globalBefore).isGreaterThanOrEqualTo(1);
            assertThat(LockedMemory.lockedKb() - before).isBetween(1024L, 1100L);
            kept.close();
            assertThat(pool.stats().idle()).isEqualTo(1);
            try (PinnedBuffer<byte[]> again = pool.rent()) {
                assertThat(again).isSameAs(kept);
            }
        }
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void aStandaloneBufferAndAPinnedArrayDroppedShouldBeFreedAndCounted() throws Exception {
        long before = LockedMemory.lockedKb();
        long globalBefore = LeakDetector.totalLeaks();
        PinnedMemoryHelper helper = new PinnedMemoryHelper(Backends.MLOCK);
        allocateAndDrop(helper);
        assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(1024);

        Gc.untilLeaksReported(2, () -> helper.leakCount() == 2);
        assertThat(LeakDetector.totalLeaks() - globalBefore).isGreaterThanOrEqualTo(2);

        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void anIdleBufferShouldNeverCountAsALeak() throws Exception {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                .initialSize(2).maxSize(2).backend(Backends.MLOCK).build()) {
            pool.rent().close();
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            assertThat(pool.stats().leaks()).isZero();
            assertThat(pool.stats().idle()).isEqualTo(2);
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
