package dev.pinnedmemory.inference;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The tensor datatypes of the Open Inference Protocol, with the size of one element: the table of the
 * protocol (and Triton's {@code BF16}). Names are case-sensitive, as the protocol's are.
 *
 * <p>{@code BYTES} elements have no fixed size: in a tensor's bytes each is a 4-byte little-endian
 * length followed by that many bytes. {@code BOOL} is one byte, {@code 0} or {@code 1}. {@code FP16} is
 * IEEE 754 binary16, {@code BF16} the upper half of a binary32.
 *
 * <p>An enum; thread-safe.
 */
public enum Datatype {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    BF16(2),
    FP32(4),
    FP64(8),
    BYTES(0);

    private static final Map<String, Datatype> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Datatype::name, Function.identity()));

    private final int byteSize;

    Datatype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** {@return bytes per element; 0 for {@code BYTES}, whose elements have a size each} */
    public int byteSize() {
        return byteSize;
    }

    /** {@return whether elements have a size each ({@code BYTES})} */
    public boolean isVariableSize() {
        return byteSize == 0;
    }

    /** {@return whether this is one of the integer types, signed or not} */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64 -> true;
            default -> false;
        };
    }

    /** {@return whether this is one of the floating-point types} */
    public boolean isFloatingPoint() {
        return this == FP16 || this == BF16 || this == FP32 || this == FP64;
    }

    /** {@return whether this is an unsigned integer type} */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** {@return the smallest value of an integer type} */
    long minValue() {
        return switch (this) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            default -> 0;
        };
    }

    /** {@return the largest value of an integer type other than {@code UINT64} (whose is 2^64 - 1)} */
    long maxValue() {
        return switch (this) {
            case UINT8 -> 0xFFL;
            case UINT16 -> 0xFFFFL;
            case UINT32 -> 0xFFFF_FFFFL;
            case INT8 -> Byte.MAX_VALUE;
            case INT16 -> Short.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }

    /**
     * {@return the datatype named {@code name}}
     *
     * @throws IllegalArgumentException naming the value and the allowed names if there is none
     */
    public static Datatype parse(String name) {
        Datatype type = BY_NAME.get(name);
        if (type == null) {
            throw new IllegalArgumentException("unknown datatype '" + name + "' (expected one of "
                    + Arrays.toString(values()) + ", case-sensitive)");
        }
        return type;
    }

    /** {@return whether {@code name} is a datatype's name} */
    public static boolean isKnown(String name) {
        return BY_NAME.containsKey(name);
    }
}
