package dev.pinnedmemory.sample;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Float32BatchTests {

    @Test
    void wireCrc32ShouldBeTheCrcOfTheBytesAsTheyArrived() {
        byte[] wire = Floats.ramp(100);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(wire.length, 4);
            MemorySegment.copy(wire, 0, segment, ValueLayout.JAVA_BYTE, 0, wire.length);

            assertThat("%08x".formatted(Float32Batch.wireCrc32(segment, 100, ByteOrder.LITTLE_ENDIAN)))
                    .isEqualTo(Floats.crc32(wire));
        }
    }

    @Test
    void wireCrc32OnABigEndianMachineShouldSwapEachFloatBackFirst() {
        byte[] wire = Floats.ramp(40_000);   // more than one heap chunk
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(wire.length, 4);
            ValueLayout.OfInt bigEndian = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
            MemorySegment source = MemorySegment.ofArray(wire);
            for (long i = 0; i < 40_000; i++) {   // the batch as @PinnedBody leaves it on a big-endian host
                segment.set(bigEndian, i * 4, source.get(Float32Batch.WIRE_BITS, i * 4));
            }

            assertThat("%08x".formatted(Float32Batch.wireCrc32(segment, 40_000, ByteOrder.BIG_ENDIAN)))
                    .isEqualTo(Floats.crc32(wire));
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
