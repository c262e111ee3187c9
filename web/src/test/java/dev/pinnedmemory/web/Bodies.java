package dev.pinnedmemory.web;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Request bodies as the wire carries them: little-endian elements. */
final class Bodies {

    private Bodies() {
    }

    /** {@return {@code count} floats 0, 0.5, 1, ... as little-endian bytes} */
    static byte[] floats(int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putFloat(i * 0.5f);
        }
        return bytes.array();
    }

    /** {@return the floats {@link #floats} encodes} */
    static float[] values(int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = i * 0.5f;
        }
        return values;
    }
}
