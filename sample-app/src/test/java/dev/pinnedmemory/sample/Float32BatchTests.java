package dev.pinnedmemory.sample;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Float32BatchTests {

    @Test
    void toNativeOrderShouldLeaveLittleEndianDataAloneOnALittleEndianMachine() {
        byte[] wire = Floats.ramp(100);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(wire.length, 4);
            MemorySegment.copy(wire, 0, segment, ValueLayout.JAVA_BYTE, 0, wire.length);

            Float32Batch.toNativeOrder(segment, 100, ByteOrder.LITTLE_ENDIAN);

            assertThat(segment.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(wire);
        }
    }

    @Test
    void toNativeOrderShouldSwapEveryFloatOnABigEndianMachine() {
        byte[] wire = Floats.ramp(100);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(wire.length, 4);
            MemorySegment.copy(wire, 0, segment, ValueLayout.JAVA_BYTE, 0, wire.length);

            Float32Batch.toNativeOrder(segment, 100, ByteOrder.BIG_ENDIAN);

            ValueLayout.OfFloat bigEndian = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < 100; i++) {
                assertThat(segment.get(bigEndian, i * 4L)).isEqualTo(i + 0.5f);
            }
        }
    }

    @Test
    void finiteSumShouldSkipNaNAndInfinities() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, 5);
            float[] values = {1.5f, Float.NaN, 2.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);

            assertThat(Float32Batch.finiteSum(segment, 5)).isEqualTo(4.0);
        }
    }
}
