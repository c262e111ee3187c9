package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jspecify.annotations.Nullable;

/**
 * What the bytes of a tensor must be, whatever brought them: exactly count x element size for fixed-size
 * datatypes, {@code 0} or {@code 1} per {@code BOOL}, and for {@code BYTES} exactly {@code count}
 * elements of a 4-byte little-endian length and that many bytes. Stateless; thread-safe.
 */
final class TensorBytes {

    /** The length prefix of a {@code BYTES} element. */
    static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private TensorBytes() {
    }

    /**
     * {@return what is wrong with the first {@code bytes} bytes of {@code data} as {@code elements}
     * elements of {@code type}, or null if nothing is}
     */
    static @Nullable String check(Datatype type, long elements, MemorySegment data, long bytes) {
        if (bytes > data.byteSize()) {
            return bytes + " bytes expected in a segment of " + data.byteSize();
        }
        if (type.isVariableSize()) {
            long used = bytesLength(data, elements, bytes);
            if (used < 0) {
                return malformedBytes(data, elements, bytes);
            }
            return used == bytes ? null : (bytes - used) + " bytes after the last of the " + elements + " BYTES elements";
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, (long) type.byteSize());
        } catch (ArithmeticException overflow) {
            return elements + " elements of " + type.byteSize() + " bytes overflow a long";
        }
        if (bytes != expected) {
            return bytes + " bytes, but " + elements + " elements of " + type + " are " + expected + " bytes";
        }
        if (type == Datatype.BOOL) {
            for (long i = 0; i < bytes; i++) {
                byte value = data.get(ValueLayout.JAVA_BYTE, i);
                if (value != 0 && value != 1) {
                    return "BOOL element " + i + " is " + value + " (expected: 0 or 1)";
                }
            }
        }
        return null;
    }

    /** {@return the bytes {@code elements} BYTES elements take at the start of {@code data}, or -1 if they do not fit in {@code limit}} */
    static long bytesLength(MemorySegment data, long elements, long limit) {
        long offset = 0;
        for (long i = 0; i < elements; i++) {
            if (limit - offset < Integer.BYTES) {
                return -1;
            }
            long length = Integer.toUnsignedLong(data.get(LENGTH, offset));
            offset += Integer.BYTES;
            if (length > limit - offset) {
                return -1;
            }
            offset += length;
        }
        return offset;
    }

    private static String malformedBytes(MemorySegment data, long elements, long limit) {
        long offset = 0;
        for (long i = 0; i < elements; i++) {
            if (limit - offset < Integer.BYTES) {
                return "BYTES element " + i + " of " + elements + " starts at byte " + offset + ", but only " + limit
                        + " bytes arrived (each element is a 4-byte length and its bytes)";
            }
            long length = Integer.toUnsignedLong(data.get(LENGTH, offset));
            offset += Integer.BYTES;
            if (length > limit - offset) {
                return "BYTES element " + i + " of " + elements + " claims " + length + " bytes at byte " + offset
                        + ", but only " + (limit - offset) + " are left";
            }
            offset += length;
        }
        return "malformed BYTES";
    }
}
