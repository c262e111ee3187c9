package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedArrayTests {

    private final Reclaimer reclaimer = new Reclaimer(getClass().getSimpleName() + "-reclaimer");
    private final PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, reclaimer);

    @Test
    void pinShouldCopyTheArrayIntoLockedMemory() {
        float[] data = {1.5f, 2.5f, 3.5f};
        try (PinnedArray<float[]> pinned = helper.pin(data)) {
            assertThat(pinned.isPinned()).isTrue();
            assertThat(pinned.length()).isEqualTo(3);
            assertThat(pinned.elementType()).isSameAs(ElementType.FLOAT);
            assertThat(pinned.array()).isSameAs(data);
            assertThat(pinned.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 2)).isEqualTo(3.5f);
            assertThat(LockedMemory.smapsLocked(pinned.address(), 12)).isTrue();
        }
    }

    @Test
    void unpinShouldWriteBackReleaseTheLockAndKillTheSegment() throws InterruptedException {
        long before = LockedMemory.lockedKb();
        int[] data = new int[1 << 20];
        PinnedArray<int[]> pinned = helper.pin(data);
        var segment = pinned.segment();
        assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(4096);
        segment.setAtIndex(ValueLayout.JAVA_INT, 0, 42);
        segment.setAtIndex(ValueLayout.JAVA_INT, data.length - 1, 7);
        assertThat(data[0]).isZero();

        pinned.unpin();

        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
        assertThat(data[0]).isEqualTo(42);
        assertThat(data[data.length - 1]).isEqualTo(7);
        assertThat(pinned.isPinned()).isFalse();
        assertThat(reclaimer.awaitIdle(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> segment.getAtIndex(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pinned::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("unpinned");
        assertThatThrownBy(pinned::address).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pinned::commit).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void secondUnpinShouldNeitherWriteBackNorFail() {
        double[] data = {1, 2};
        PinnedArray<double[]> pinned = helper.pin(data);
        pinned.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, 0, 9);
        pinned.close();
        data[0] = 5;
        pinned.unpin();
        pinned.close();
        assertThat(data).containsExactly(5, 2);
    }

    @Test
    void commitShouldWriteBackAndStayPinned() {
        short[] data = new short[4];
        try (PinnedArray<short[]> pinned = helper.pin(data)) {
            pinned.segment().setAtIndex(ValueLayout.JAVA_SHORT, 3, (short) 11);
            pinned.commit();
            assertThat(data[3]).isEqualTo((short) 11);
            assertThat(pinned.isPinned()).isTrue();
            pinned.segment().setAtIndex(ValueLayout.JAVA_SHORT, 3, (short) 12);
        }
        assertThat(data[3]).isEqualTo((short) 12);
    }

    @Test
    void ofShouldRejectNullAndNonPrimitiveArrays() {
        assertThatThrownBy(() -> PinnedArray.of(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("array");
        assertThatThrownBy(() -> PinnedArray.of(new String[1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String[]").hasMessageContaining("float[]");
        assertThatThrownBy(() -> PinnedArray.of(new boolean[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PinnedArray.of("text")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ofShouldUseTheSharedHelper() {
        char[] data = {'a', 'b'};
        try (PinnedArray<char[]> pinned = PinnedArray.of(data)) {
            assertThat(pinned.segment().getAtIndex(ValueLayout.JAVA_CHAR, 1)).isEqualTo('b');
        }
    }
}
