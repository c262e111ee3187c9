package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Operations on float32 data as it arrives on the wire: little-endian, whatever the machine is.
 * Stateless.
 */
final class Float32Batch {

    static final ValueLayout.OfInt WIRE_BITS = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Float32Batch() {
    }

    /**
     * Rewrites the first {@code elements} floats of {@code segment} from little-endian into the
     * machine's order, so a GPU kernel (or Java) reads them as numbers. Does nothing on
     * little-endian machines, which is every machine CUDA runs on today.
     */
    static void toNativeOrder(MemorySegment segment, long elements) {
        toNativeOrder(segment, elements, ByteOrder.nativeOrder());
    }

    static void toNativeOrder(MemorySegment segment, long elements, ByteOrder nativeOrder) {
        if (nativeOrder == ByteOrder.LITTLE_ENDIAN) {
            return;
        }
        ValueLayout.OfInt nativeBits = ValueLayout.JAVA_INT.withOrder(nativeOrder);
        for (long i = 0; i < elements; i++) {
            long offset = i * Float.BYTES;
            segment.set(nativeBits, offset, segment.get(WIRE_BITS, offset));
        }
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
}
