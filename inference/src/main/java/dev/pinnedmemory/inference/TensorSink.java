package dev.pinnedmemory.inference;

import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * The lease one input tensor is written into, and the rules for what may be written there: the one
 * place where values become a tensor's bytes. A {@link TensorSource} either copies bytes into
 * {@link #remaining()} and calls {@link #advance}, or appends element by element; each append checks the
 * value against the datatype (300 is no {@code UINT8}, 1.5 no {@code INT32}, NaN no {@code INT64}, 1e39
 * no {@code FP32}) and the count against the shape before it writes, so nothing is ever written past the
 * lease. Refusals are {@link InferenceException}s ({@code INVALID_ARGUMENT}) naming the tensor, the
 * element and the limit.
 *
 * <p>Ownership: the request owns the lease; the sink only lends it to the source during
 * {@link TensorSource#fill}. Not thread-safe: one source writes it.
 */
public final class TensorSink {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final BigInteger TWO_TO_THE_64 = BigInteger.ONE.shiftLeft(64);

    private final DeclaredInput input;
    private final Datatype type;
    private final MemorySegment target;
    private long position;
    private long elements;
    private boolean bulk;

    TensorSink(DeclaredInput input, MemorySegment target) {
        this.input = input;
        this.type = input.type();
        this.target = target;
    }

    /** {@return the input's name} */
    public String name() {
        return input.name();
    }

    /** {@return the datatype} */
    public Datatype type() {
        return type;
    }

    /** {@return the shape (a new array on each call)} */
    public long[] shape() {
        return input.shape();
    }

    /** {@return the number of elements the shape holds} */
    public long elementCount() {
        return input.elementCount();
    }

    /** {@return the tensor's size in bytes: the lease's} */
    public long byteSize() {
        return target.byteSize();
    }

    /** {@return the bytes written so far} */
    public long position() {
        return position;
    }

    /** {@return the elements appended so far (bulk writes not counted)} */
    public long appended() {
        return elements;
    }

    /**
     * {@return the part of the lease not written yet}, for a source that copies bytes (little-endian,
     * as the protocol's binary data is); call {@link #advance} with what it wrote.
     */
    public MemorySegment remaining() {
        return target.asSlice(position);
    }

    /**
     * Counts {@code bytes} more as written into {@link #remaining()}.
     *
     * @throws IllegalArgumentException if that would pass the end of the lease, or {@code bytes} is negative
     */
    public void advance(long bytes) {
        if (bytes < 0 || bytes > target.byteSize() - position) {
            throw new IllegalArgumentException("advance(" + bytes + "): " + (target.byteSize() - position)
                    + " bytes left of " + input.describe());
        }
        position += bytes;
        bulk = true;
    }

    /** Appends a {@code BOOL} element. */
    public void appendBoolean(boolean value) {
        if (type != Datatype.BOOL) {
            throw refused(Boolean.toString(value), expectation());
        }
        ensureElement();
        target.set(ValueLayout.JAVA_BYTE, position, value ? (byte) 1 : (byte) 0);
        position += 1;
        elements++;
    }

    /**
     * Appends an integer: to an integer datatype within its range, or to a floating-point one as the
     * nearest value.
     */
    public void appendLong(long value) {
        if (type.isFloatingPoint()) {
            appendDouble(value);
            return;
        }
        if (!type.isInteger()) {
            throw refused(Long.toString(value), expectation());
        }
        if (value < type.minValue() || (type != Datatype.UINT64 && value > type.maxValue())) {
            throw refused(Long.toString(value), "out of range " + range());
        }
        writeInteger(value);
    }

    /** Appends an unsigned 64-bit integer given as its bits ({@code -1} is 2^64 - 1): any in {@code UINT64}, small ones in the others. */
    public void appendUnsignedLong(long bits) {
        if (bits >= 0) {
            appendLong(bits);
        } else if (type == Datatype.UINT64) {
            writeInteger(bits);
        } else if (type.isFloatingPoint()) {
            appendDouble((double) (bits >>> 1) * 2.0 + (bits & 1));
        } else {
            throw refused(Long.toUnsignedString(bits), type.isInteger() ? "out of range " + range() : expectation());
        }
    }

    /** Appends an integer of any size (a JSON number beyond a long): within the datatype's range. */
    public void appendInteger(BigInteger value) {
        if (value.bitLength() < 64) {
            appendLong(value.longValue());
        } else if (value.signum() > 0 && value.compareTo(TWO_TO_THE_64) < 0) {
            appendUnsignedLong(value.longValue());
        } else if (type.isFloatingPoint()) {
            appendDouble(value.doubleValue());
        } else {
            throw refused(value.toString(), type.isInteger() ? "out of range " + range() : expectation());
        }
    }

    /**
     * Appends a number to a floating-point datatype, rounded to it (NaN and infinities are kept; a finite
     * value that rounds to an infinity is out of range).
     */
    public void appendDouble(double value) {
        switch (type) {
            case FP64 -> {
                ensureElement();
                target.set(DOUBLE, position, value);
                position += Double.BYTES;
            }
            case FP32 -> appendFloat((float) value, value);
            case FP16 -> {
                short half = Float.floatToFloat16((float) value);
                if (Double.isFinite(value) && (half & 0x7C00) == 0x7C00) {
                    throw refused(Double.toString(value), "out of range of FP16 (at most 65504 in magnitude)");
                }
                writeShort(half);
            }
            case BF16 -> {
                float single = (float) value;
                short brain = toBfloat16(single);
                if (Double.isFinite(value) && (Float.isInfinite(single) || (brain & 0x7F80) == 0x7F80)) {
                    throw refused(Double.toString(value), "out of range of BF16 (about 3.39e38 in magnitude)");
                }
                writeShort(brain);
            }
            default -> throw refused(Double.toString(value), type.isInteger()
                    ? (Double.isNaN(value) || Double.isInfinite(value) ? "not a number of " + type : "not an integer")
                    + ", expected an integer in " + range() : expectation());
        }
        elements++;
    }

    /** Appends a single-precision number: to {@code FP32} as it is, to the other floating-point datatypes rounded. */
    public void appendFloat(float value) {
        if (type == Datatype.FP32) {
            ensureElement();
            target.set(FLOAT, position, value);
            position += Float.BYTES;
            elements++;
        } else {
            appendDouble(value);
        }
    }

    /**
     * Appends {@code count} single-precision numbers from {@code values}, as {@link #appendFloat} appends each:
     * to {@code FP32} in one copy.
     *
     * @throws IndexOutOfBoundsException if {@code offset} and {@code count} are not a range of {@code values}
     */
    public void appendFloats(float[] values, int offset, int count) {
        java.util.Objects.checkFromIndexSize(offset, count, values.length);
        if (type != Datatype.FP32) {
            for (int i = offset; i < offset + count; i++) {
                appendFloat(values[i]);
            }
            return;
        }
        if (count > input.elementCount() - elements) {
            throw tooMany();
        }
        MemorySegment.copy(values, offset, target, FLOAT, position, count);
        position += (long) count * Float.BYTES;
        elements += count;
    }

    /** Appends a {@code BYTES} element: its 4-byte little-endian length, then the bytes. */
    public void appendBytes(byte[] bytes) {
        appendBytes(MemorySegment.ofArray(bytes));
    }

    /** Appends a {@code BYTES} element whose bytes are {@code bytes}: its 4-byte little-endian length, then a copy of them. */
    public void appendBytes(MemorySegment bytes) {
        if (type != Datatype.BYTES) {
            throw refused("a string", expectation());
        }
        if (elements >= input.elementCount()) {
            throw tooMany();
        }
        long length = bytes.byteSize();
        if (length > 0xFFFF_FFFFL || length > target.byteSize() - position - Integer.BYTES) {
            throw new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, input.describe() + " element "
                    + elements + ": " + length + " bytes, but " + Math.max(0, target.byteSize() - position - Integer.BYTES)
                    + " of the tensor's " + target.byteSize() + " bytes are left");
        }
        target.set(INT, position, (int) length);
        MemorySegment.copy(bytes, 0, target, position + Integer.BYTES, length);
        position += Integer.BYTES + length;
        elements++;
    }

    /** Throws an {@link EOFException} naming the input and what arrived: for sources whose data ended early. */
    public EOFException ended() {
        return new EOFException(input.describe() + ": the data ended after " + position + " of " + target.byteSize()
                + " bytes");
    }

    boolean wroteBulk() {
        return bulk;
    }

    private void appendFloat(float value, double original) {
        if (Float.isInfinite(value) && Double.isFinite(original)) {
            throw refused(Double.toString(original), "out of range of FP32 (about 3.40e38 in magnitude)");
        }
        ensureElement();
        target.set(FLOAT, position, value);
        position += Float.BYTES;
    }

    private void writeInteger(long value) {
        ensureElement();
        switch (type.byteSize()) {
            case 1 -> target.set(ValueLayout.JAVA_BYTE, position, (byte) value);
            case 2 -> target.set(SHORT, position, (short) value);
            case 4 -> target.set(INT, position, (int) value);
            default -> target.set(LONG, position, value);
        }
        position += type.byteSize();
        elements++;
    }

    private void writeShort(short value) {
        ensureElement();
        target.set(SHORT, position, value);
        position += Short.BYTES;
    }

    private void ensureElement() {
        if (elements >= input.elementCount()) {
            throw tooMany();
        }
    }

    private InferenceException tooMany() {
        return InferenceException.invalid(input.describe() + ": more than the " + input.elementCount()
                + " elements its shape holds");
    }

    private InferenceException refused(String value, String why) {
        return InferenceException.invalid(input.describe() + " element " + elements + ": " + value + " is " + why);
    }

    private String expectation() {
        return switch (type) {
            case BOOL -> "not a BOOL (expected: true or false)";
            case BYTES -> "not a BYTES element (expected: a string)";
            default -> "not a " + type + " (expected: a number)";
        };
    }

    private String range() {
        return type == Datatype.UINT64 ? "[0, 18446744073709551615] of UINT64"
                : "[" + type.minValue() + ", " + type.maxValue() + "] of " + type;
    }

    /** Rounds to the nearest bfloat16, ties to even; NaN stays a (quiet) NaN. */
    static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
