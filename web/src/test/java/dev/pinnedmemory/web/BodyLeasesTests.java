package dev.pinnedmemory.web;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.pinnedmemory.ElementType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wire's little-endian elements in the machine's order: untouched on a little-endian host (every
 * host here), swapped per element on a big-endian one, which the test stands in for by asking for it.
 */
class BodyLeasesTests {

    @Test
    void littleEndianHostShouldLeaveTheBytesAsTheyArrived() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(8);
            segment.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 0x01020304);

            BodyLeases.toNativeOrder(segment, ElementType.INT, 2, ByteOrder.LITTLE_ENDIAN);

            assertThat(segment.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x04);
        }
    }

    @Test
    void bigEndianHostShouldSwapEveryElementOfEveryWidth() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(64);
            var wireShort = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            var wireInt = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            var wireLong = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

            segment.set(wireShort, 0, (short) 0x0102);
            segment.set(wireShort, 2, (short) 0x0304);
            BodyLeases.toNativeOrder(segment, ElementType.SHORT, 2, ByteOrder.BIG_ENDIAN);
            assertThat(segment.get(wireShort.withOrder(ByteOrder.BIG_ENDIAN), 0)).isEqualTo((short) 0x0102);
            assertThat(segment.get(wireShort.withOrder(ByteOrder.BIG_ENDIAN), 2)).isEqualTo((short) 0x0304);

            segment.set(wireInt, 0, Float.floatToRawIntBits(1.5f));
            segment.set(wireInt, 4, Float.floatToRawIntBits(-2.25f));
            BodyLeases.toNativeOrder(segment, ElementType.FLOAT, 2, ByteOrder.BIG_ENDIAN);
            assertThat(segment.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0)).isEqualTo(1.5f);
            assertThat(segment.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4)).isEqualTo(-2.25f);

            segment.set(wireLong, 8, Double.doubleToRawLongBits(Math.PI));
            BodyLeases.toNativeOrder(segment.asSlice(8), ElementType.DOUBLE, 1, ByteOrder.BIG_ENDIAN);
            assertThat(segment.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 8)).isEqualTo(Math.PI);
        }
    }

    @Test
    void bytesShouldNeverBeSwapped() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(2);
            segment.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);

            BodyLeases.toNativeOrder(segment, ElementType.BYTE, 2, ByteOrder.BIG_ENDIAN);

            assertThat(segment.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
        }
    }

    @Test
    void wireNamesShouldSayTheWidth() {
        assertThat(ElementType.values()).extracting(PinnedBodyException::wireName)
                .containsExactly("int8", "int16", "uint16", "int32", "int64", "float32", "float64");
    }
}
