package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TensorSink#appendFloats}: what {@link TensorSink#appendFloat} writes for each value, in one copy, never past the shape. */
class TensorSinkTests {

    @Test
    void appendFloatsShouldWriteWhatAppendFloatWritesForEach() {
        float[] values = {9f, 1.5f, -0.0f, Float.NaN, Float.MIN_VALUE, 65520f, 7f};
        for (Datatype type : new Datatype[] {Datatype.FP32, Datatype.FP64, Datatype.BF16}) {
            byte[] one = fill(type, 5, sink -> {
                for (int i = 1; i < 6; i++) {
                    sink.appendFloat(values[i]);
                }
            });
            byte[] batch = fill(type, 5, sink -> {
                sink.appendFloats(values, 1, 2);
                sink.appendFloats(values, 3, 0);
                sink.appendFloats(values, 3, 3);
                assertThat(sink.appended()).isEqualTo(5);
                assertThat(sink.position()).isEqualTo(5L * type.byteSize());
            });
            assertThat(batch).as(type.name()).isEqualTo(one);
        }
        assertThat(MemorySegment.ofArray(fill(Datatype.FP32, 2, sink -> sink.appendFloats(values, 1, 2)))
                .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN))).containsExactly(1.5f, -0.0f);
    }

    @Test
    void appendFloatsShouldRefuseMoreThanTheShapeAndRangesOutsideTheArray() {
        float[] values = {1, 2, 3};
        assertThatThrownBy(() -> fill(Datatype.FP32, 2, sink -> sink.appendFloats(values, 0, 3)))
                .isInstanceOf(InferenceException.class).hasMessage("input 'INPUT' (FP32, shape [2]): more than the 2 elements its shape holds");
        assertThatThrownBy(() -> fill(Datatype.FP32, 2, sink -> {
            sink.appendFloat(1);
            sink.appendFloats(values, 0, 2);
        })).isInstanceOf(InferenceException.class).hasMessageContaining("more than the 2 elements");
        assertThatThrownBy(() -> fill(Datatype.FP32, 3, sink -> sink.appendFloats(values, 2, 2)))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> fill(Datatype.FP16, 3, sink -> sink.appendFloats(new float[] {1, 1e6f}, 0, 2)))
                .isInstanceOf(InferenceException.class).hasMessageContaining("element 1: 1000000.0 is out of range of FP16");
    }

    private interface Fill {
        void into(TensorSink sink);
    }

    private static byte[] fill(Datatype type, int elements, Fill fill) {
        DeclaredInput input = new DeclaredInput(0, "INPUT", type, new long[] {elements}, elements, (long) elements * type.byteSize(),
                Map.of(), false);
        MemorySegment target = MemorySegment.ofArray(new byte[elements * type.byteSize()]);
        fill.into(new TensorSink(input, target));
        return target.toArray(ValueLayout.JAVA_BYTE);
    }
}
