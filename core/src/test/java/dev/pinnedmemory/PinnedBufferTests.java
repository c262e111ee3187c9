package dev.pinnedmemory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedBufferTests {

    private static final int LENGTH = 8;
    private final PinnedMemoryHelper helper = new PinnedMemoryHelper(Backends.MLOCK);

    static Stream<ElementType<?>> types() {
        return Stream.of(ElementType.BYTE, ElementType.INT, ElementType.FLOAT, ElementType.DOUBLE,
                ElementType.SHORT, ElementType.CHAR, ElementType.LONG);
    }

    /** An array of {@code length} elements holding {@code first, first+1, ...} in the type. */
    private static <A> A sequence(ElementType<A> type, int length, int first) {
        A array = type.newArray(length);
        for (int i = 0; i < length; i++) {
            set(array, i, first + i);
        }
        return array;
    }

    private static void set(Object array, int index, int value) {
        switch (array) {
            case byte[] a -> a[index] = (byte) value;
            case short[] a -> a[index] = (short) value;
            case char[] a -> a[index] = (char) value;
            case int[] a -> a[index] = value;
            case long[] a -> a[index] = value;
            case float[] a -> a[index] = value;
            case double[] a -> a[index] = value;
            default -> throw new IllegalArgumentException();
        }
    }

    private static double get(Object array, int index) {
        return ((Number) (Array.get(array, index) instanceof Character c ? (int) c : Array.get(array, index))).doubleValue();
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void copyFromAndCopyToShouldRoundTripAnExactFit(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH)) {
            buffer.copyFrom(sequence(type, LENGTH, 1));
            A out = type.newArray(LENGTH);
            buffer.copyTo(out);
            assertThat(out).isEqualTo(sequence(type, LENGTH, 1));
            assertThat(buffer.toArray()).isEqualTo(sequence(type, LENGTH, 1));
            assertThat(buffer.byteSize()).isEqualTo((long) LENGTH * type.byteSize());
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void copyFromShouldRefuseOneTooManyAndBadOffsetsLeavingTheBufferUnchanged(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH)) {
            buffer.copyFrom(sequence(type, LENGTH, 1));
            assertThatThrownBy(() -> buffer.copyFrom(sequence(type, LENGTH + 1, 50)))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("9 elements").hasMessageContaining("buffer of 8 elements");
            assertThatThrownBy(() -> buffer.copyFrom(sequence(type, LENGTH, 50), -1))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("sourceOffset -1");
            assertThatThrownBy(() -> buffer.copyFrom(sequence(type, LENGTH, 50), LENGTH + 1))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("sourceOffset 9");
            assertThat(buffer.toArray()).isEqualTo(sequence(type, LENGTH, 1));
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void copyFromWithOffsetShouldCopyTheTailToTheStart(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH)) {
            A source = sequence(type, LENGTH + 3, 10);
            buffer.copyFrom(source, 3);
            assertThat(buffer.toArray()).isEqualTo(sequence(type, LENGTH, 13));
            buffer.copyFrom(source, LENGTH + 3);
            assertThat(buffer.toArray()).isEqualTo(sequence(type, LENGTH, 13));
            A shortSource = sequence(type, 2, 100);
            buffer.copyFrom(shortSource);
            assertThat(get(buffer.toArray(), 0)).isEqualTo(100);
            assertThat(get(buffer.toArray(), 2)).isEqualTo(15);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void copyToShouldRefuseATooSmallDestinationAndBadOffsets(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH)) {
            buffer.copyFrom(sequence(type, LENGTH, 1));
            A small = type.newArray(LENGTH - 1);
            assertThatThrownBy(() -> buffer.copyTo(small)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("buffer of 8 elements").hasMessageContaining("destination of 7");
            A exact = type.newArray(LENGTH);
            assertThatThrownBy(() -> buffer.copyTo(exact, -1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("offset -1");
            assertThatThrownBy(() -> buffer.copyTo(exact, LENGTH)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("offset 8");
            assertThatThrownBy(() -> buffer.copyTo(type.newArray(LENGTH + 2), 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(exact).isEqualTo(type.newArray(LENGTH));
            A roomy = type.newArray(LENGTH + 2);
            buffer.copyTo(roomy, 2);
            assertThat(get(roomy, 1)).isZero();
            assertThat(get(roomy, 2)).isEqualTo(1);
            assertThat(get(roomy, LENGTH + 1)).isEqualTo(LENGTH);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void segmentCopiesShouldCheckSizes(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH);
             Arena arena = Arena.ofConfined()) {
            long bytes = (long) LENGTH * type.byteSize();
            MemorySegment source = arena.allocate(bytes);
            MemorySegment.copy(sequence(type, LENGTH, 5), 0, source, type.layout(), 0, LENGTH);
            buffer.copyFrom(source);
            assertThat(buffer.toArray()).isEqualTo(sequence(type, LENGTH, 5));
            assertThatThrownBy(() -> buffer.copyFrom(arena.allocate(bytes + type.byteSize())))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining(String.valueOf(bytes + type.byteSize()));
            if (type.byteSize() > 1) {
                assertThatThrownBy(() -> buffer.copyFrom(arena.allocate(bytes - 1)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number");
            }
            MemorySegment destination = arena.allocate(bytes);
            buffer.copyTo(destination);
            assertThat(destination.mismatch(buffer.segment())).isEqualTo(-1);
            assertThatThrownBy(() -> buffer.copyTo(arena.allocate(bytes - 1)))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("destination of " + (bytes - 1));
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    <A> void fillShouldConvertLikeAPrimitiveCast(ElementType<A> type) {
        try (PinnedBuffer<A> buffer = helper.allocateUnmanaged(type, LENGTH)) {
            buffer.fill(3.9);
            double expected = type == ElementType.FLOAT ? 3.9f : type == ElementType.DOUBLE ? 3.9 : 3;
            A contents = buffer.toArray();
            for (int i = 0; i < LENGTH; i++) {
                assertThat(get(contents, i)).isEqualTo(expected);
            }
            buffer.fill(0);
            assertThat(buffer.toArray()).isEqualTo(type.newArray(LENGTH));
        }
    }

    @Test
    void toArrayShouldBeACopy() {
        try (PinnedBuffer<int[]> buffer = helper.pinAndCopy(new int[] {1, 2})) {
            int[] copy = buffer.toArray();
            copy[0] = 9;
            assertThat(buffer.toArray()).containsExactly(1, 2);
        }
    }

    @Test
    void everyOperationAfterCloseShouldThrowIllegalState() {
        PinnedBuffer<float[]> buffer = helper.allocateUnmanaged(ElementType.FLOAT, 4);
        buffer.close();
        assertThatThrownBy(() -> buffer.copyFrom(new float[4])).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> buffer.copyTo(new float[4])).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(buffer::toArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> buffer.fill(1)).isInstanceOf(IllegalStateException.class);
        assertThat(buffer.length()).isEqualTo(4);
    }

    @Test
    void allocateShouldRejectNegativeLengthAndNullArguments() {
        assertThatThrownBy(() -> PinnedBuffer.allocate(ElementType.INT, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("length: -1 (expected: >= 0)");
        try (PinnedBuffer<int[]> buffer = PinnedBuffer.allocate(ElementType.INT, 2)) {
            assertThatThrownBy(() -> buffer.copyFrom((int[]) null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> buffer.fill(null)).isInstanceOf(NullPointerException.class);
            assertThat(buffer.owner).isNotInstanceOf(BlockPool.class);
        }
    }
}
