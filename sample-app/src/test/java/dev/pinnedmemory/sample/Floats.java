package dev.pinnedmemory.sample;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/** Test batches: float32 values as the wire carries them, little-endian. */
final class Floats {

    private Floats() {
    }

    /** {@return {@code count} floats 0.5, 1.5, 2.5, ... as little-endian bytes} */
    static byte[] ramp(int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putFloat(i + 0.5f);
        }
        return bytes.array();
    }

    /** {@return the sum of {@link #ramp}'s values} */
    static double rampSum(int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += i + 0.5f;
        }
        return sum;
    }

    static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return "%08x".formatted(crc.getValue());
    }
}
