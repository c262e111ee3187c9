package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageLockingTests {

    private static final int EIGHT_MIB = 8 << 20;

    private final Reclaimer reclaimer = new Reclaimer(getClass().getSimpleName() + "-reclaimer");
    private final PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, reclaimer);

    @Test
    void allocatingEightMibThroughMlockShouldGrowVmLckByEightMibAndCloseShouldGiveItBack() {
        long before = LockedMemory.lockedKb();
        PinnedBuffer<byte[]> buffer = helper.allocateUnmanaged(ElementType.BYTE, EIGHT_MIB);
        try {
            assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(8192);
            assertThat(LockedMemory.smapsLocked(buffer.address(), EIGHT_MIB)).isTrue();
            assertThat(buffer.address() % 4096).isZero();
        } finally {
            buffer.close();
        }
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void buffersOfTwoMibAndMoreShouldStartOnAHugePageBoundaryAndGetHugePages() {
        long fallbacksBefore = LockedMemory.vmstat("thp_fault_fallback");
        try (PinnedBuffer<byte[]> buffer = helper.allocateUnmanaged(ElementType.BYTE, 4 << 20)) {
            assertThat(buffer.address() % (2 << 20)).isZero();
            assertThat(LockedMemory.smapsLocked(buffer.address(), 4 << 20)).isTrue();
            if (LockedMemory.transparentHugePagesAvailable()) {
                // Huge pages, or the kernel's own word that it tried and fell back (fragmented memory).
                long hugeKb = LockedMemory.smapsKb(buffer.address(), "AnonHugePages:");
                long fallbacks = LockedMemory.vmstat("thp_fault_fallback") - fallbacksBefore;
                assertThat(hugeKb >= 2048 || fallbacks > 0)
                        .as("AnonHugePages %d kB, thp_fault_fallback +%d", hugeKb, fallbacks).isTrue();
            }
        }
        try (PinnedBuffer<byte[]> small = helper.allocateUnmanaged(ElementType.BYTE, (1 << 20) + 1)) {
            assertThat(small.address() % 4096).isZero();
            assertThat(LockedMemory.smapsKb(small.address(), "AnonHugePages:")).isZero();
        }
    }

    @Test
    void addressShouldStayTheSameAcrossGcAndHeavyAllocation() {
        try (PinnedBuffer<long[]> buffer = helper.allocateUnmanaged(ElementType.LONG, 1024)) {
            long address = buffer.address();
            buffer.segment().setAtIndex(ValueLayout.JAVA_LONG, 7, 0xC0FFEEL);
            List<long[]> garbage = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 200; i++) {
                    garbage.add(new long[1024]);
                }
                garbage.clear();
                System.gc();
            }
            assertThat(buffer.address()).isEqualTo(address);
            assertThat(buffer.segment().address()).isEqualTo(address);
            assertThat(buffer.segment().getAtIndex(ValueLayout.JAVA_LONG, 7)).isEqualTo(0xC0FFEEL);
        }
    }

    @Test
    void unlockedBackendShouldNotLockAnything() {
        PinnedMemoryHelper unlocked = new PinnedMemoryHelper(Backends.UNLOCKED);
        long before = LockedMemory.lockedKb();
        try (PinnedBuffer<byte[]> buffer = unlocked.allocateUnmanaged(ElementType.BYTE, 1 << 20)) {
            assertThat(buffer.isPinned()).isTrue();
            assertThat(buffer.address() % 4096).isZero();
            assertThat(LockedMemory.lockedKb()).isEqualTo(before);
            assertThat(unlocked.backend().pageLocked()).isFalse();
        }
    }

    @Test
    void segmentKeptAfterCloseShouldThrowInsteadOfTouchingFreedMemory() throws InterruptedException {
        PinnedBuffer<int[]> buffer = helper.allocateUnmanaged(ElementType.INT, 16);
        var segment = buffer.segment();
        segment.set(ValueLayout.JAVA_INT, 0, 99);
        buffer.close();
        try {
            assertThat(segment.get(ValueLayout.JAVA_INT, 0)).as("decommitted pages read as zero until reclaimed").isZero();
        } catch (IllegalStateException alreadyReclaimed) {
            assertThat(alreadyReclaimed).hasMessageContaining("closed");
        }
        assertThat(reclaimer.awaitIdle(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(buffer::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("was closed");
        assertThatThrownBy(buffer::address).isInstanceOf(IllegalStateException.class);
        assertThat(buffer.isPinned()).isFalse();
        buffer.close();
        buffer.unpin();
    }

    @Test
    void zeroLengthBufferShouldWork() {
        try (PinnedBuffer<float[]> buffer = helper.allocateUnmanaged(ElementType.FLOAT, 0)) {
            assertThat(buffer.length()).isZero();
            assertThat(buffer.toArray()).isEmpty();
        }
    }
}
