package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Checks of float32 batches in pinned memory, where {@code @PinnedBody} put them in the machine's byte
 * order (little-endian on the wire). Stateless.
 */
final class Float32Batch {

    static final ValueLayout.OfInt WIRE_BITS = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_FLOATS = 16 * 1024;

    private Float32Batch() {
    }

    /** {@return the sum of the finite values among the first {@code elements} floats (native order)} */
    static double finiteSum(MemorySegment segment, long elements) {
        double sum = 0;
        for (long i = 0; i < elements; i++) {
            float value = segment.get(ValueLayout.JAVA_FLOAT, i * Float.BYTES);
            if (Float.isFinite(value)) {
                sum += value;
            }
        }
        return sum;
    }

    /** {@return the CRC-32 of the first {@code bytes} bytes of {@code segment}}, read from pinned memory */
    static long crc32(MemorySegment segment, long bytes) {
        CRC32 crc = new CRC32();
        crc.update(segment.asSlice(0, bytes).asByteBuffer());
        return crc.getValue();
    }

    /**
     * {@return the CRC-32 of the first {@code elements} floats as the wire carried them (little-endian)}:
     * the bytes in place on little-endian machines, a per-float swap through a small heap chunk elsewhere.
     */
    static long wireCrc32(MemorySegment segment, long elements) {
        return wireCrc32(segment, elements, ByteOrder.nativeOrder());
    }

    static long wireCrc32(MemorySegment segment, long elements, ByteOrder nativeOrder) {
        if (nativeOrder == ByteOrder.LITTLE_ENDIAN) {
            return crc32(segment, elements * Float.BYTES);
        }
        ValueLayout.OfInt nativeBits = ValueLayout.JAVA_INT.withOrder(nativeOrder);
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[(int) Math.min(elements, CHUNK_FLOATS) * Float.BYTES];
        MemorySegment wire = MemorySegment.ofArray(chunk);
        for (long first = 0; first < elements; first += CHUNK_FLOATS) {
            int count = (int) Math.min(CHUNK_FLOATS, elements - first);
            for (int i = 0; i < count; i++) {
                wire.set(WIRE_BITS, i * (long) Float.BYTES, segment.get(nativeBits, (first + i) * Float.BYTES));
            }
            crc.update(chunk, 0, count * Float.BYTES);
        }
        return crc.getValue();
    }
}
