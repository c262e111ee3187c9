package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The primitive element type of pinned memory, described by the primitive array type {@code A}
 * that holds the same elements on the heap ({@code ElementType<float[]>} for {@code float}).
 *
 * <p>Java generics cannot range over primitives, so every pinned type is parameterised by its
 * array type and carries one of these descriptors at run time. Elements are stored in native
 * byte order, as a CUDA kernel or a C library expects them.
 *
 * <p>Instances are the seven constants; they own no memory and are immutable and thread-safe.
 *
 * @param <A> the primitive array type, e.g. {@code float[]}
 */
public final class ElementType<A> {

    /** {@code byte}, one byte, held on the heap as {@code byte[]}. */
    public static final ElementType<byte[]> BYTE = new ElementType<>(Kind.BYTE, byte[].class, ValueLayout.JAVA_BYTE);
    /** {@code short}, two bytes, held on the heap as {@code short[]}. */
    public static final ElementType<short[]> SHORT = new ElementType<>(Kind.SHORT, short[].class, ValueLayout.JAVA_SHORT);
    /** {@code char}, two bytes, held on the heap as {@code char[]}. */
    public static final ElementType<char[]> CHAR = new ElementType<>(Kind.CHAR, char[].class, ValueLayout.JAVA_CHAR);
    /** {@code int}, four bytes, held on the heap as {@code int[]}. */
    public static final ElementType<int[]> INT = new ElementType<>(Kind.INT, int[].class, ValueLayout.JAVA_INT);
    /** {@code long}, eight bytes, held on the heap as {@code long[]}. */
    public static final ElementType<long[]> LONG = new ElementType<>(Kind.LONG, long[].class, ValueLayout.JAVA_LONG);
    /** {@code float}, four bytes, held on the heap as {@code float[]}. */
    public static final ElementType<float[]> FLOAT = new ElementType<>(Kind.FLOAT, float[].class, ValueLayout.JAVA_FLOAT);
    /** {@code double}, eight bytes, held on the heap as {@code double[]}. */
    public static final ElementType<double[]> DOUBLE = new ElementType<>(Kind.DOUBLE, double[].class, ValueLayout.JAVA_DOUBLE);

    private static final List<ElementType<?>> VALUES = List.of(BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE);

    private enum Kind { BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE }

    private final Kind kind;
    private final Class<A> arrayType;
    private final ValueLayout layout;

    private ElementType(Kind kind, Class<A> arrayType, ValueLayout layout) {
        this.kind = kind;
        this.arrayType = arrayType;
        this.layout = layout;
    }

    /** {@return all seven element types, smallest first within each family} */
    public static List<ElementType<?>> values() {
        return VALUES;
    }

    /**
     * {@return the element type named {@code name}, ignoring case ({@code "float"} or {@code "FLOAT"})}
     *
     * @throws IllegalArgumentException naming the value and the allowed names when none matches
     */
    public static ElementType<?> valueOf(String name) {
        Objects.requireNonNull(name, "name");
        for (ElementType<?> type : VALUES) {
            if (type.name().equalsIgnoreCase(name.trim())) {
                return type;
            }
        }
        throw new IllegalArgumentException("element type: '" + name
                + "' (expected one of: byte, short, char, int, long, float, double)");
    }

    /**
     * {@return the element type of a primitive array}
     *
     * @throws NullPointerException if {@code array} is null
     * @throws IllegalArgumentException if {@code array} is not a primitive array other than {@code boolean[]}
     */
    @SuppressWarnings("unchecked")
    public static <A> ElementType<A> of(A array) {
        Objects.requireNonNull(array, "array");
        return (ElementType<A>) forArrayClass(array.getClass());
    }

    /**
     * {@return the element type whose heap array class is {@code arrayClass}}
     *
     * @throws IllegalArgumentException if it is not one of the seven supported primitive array classes
     */
    public static ElementType<?> forArrayClass(Class<?> arrayClass) {
        for (ElementType<?> type : VALUES) {
            if (type.arrayType == arrayClass) {
                return type;
            }
        }
        throw new IllegalArgumentException("array type: " + arrayClass.getTypeName()
                + " (expected: byte[], short[], char[], int[], long[], float[] or double[])");
    }

    /** {@return the upper-case name, e.g. {@code FLOAT}} */
    public String name() {
        return kind.name();
    }

    /** {@return the size of one element in bytes} */
    public int byteSize() {
        return (int) layout.byteSize();
    }

    /** {@return the native-order memory layout of one element} */
    public ValueLayout layout() {
        return layout;
    }

    /** {@return the heap array class, e.g. {@code float[].class}} */
    public Class<A> arrayType() {
        return arrayType;
    }

    /** {@return a new zeroed heap array of {@code length} elements} */
    public A newArray(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
        }
        Object array = switch (kind) {
            case BYTE -> new byte[length];
            case SHORT -> new short[length];
            case CHAR -> new char[length];
            case INT -> new int[length];
            case LONG -> new long[length];
            case FLOAT -> new float[length];
            case DOUBLE -> new double[length];
        };
        return arrayType.cast(array);
    }

    /** {@return the number of elements of {@code array}} */
    public int lengthOf(A array) {
        Object a = Objects.requireNonNull(array, "array");
        return switch (kind) {
            case BYTE -> ((byte[]) a).length;
            case SHORT -> ((short[]) a).length;
            case CHAR -> ((char[]) a).length;
            case INT -> ((int[]) a).length;
            case LONG -> ((long[]) a).length;
            case FLOAT -> ((float[]) a).length;
            case DOUBLE -> ((double[]) a).length;
        };
    }

    /**
     * Sets every element of {@code segment} to {@code value}, converted as a Java primitive cast
     * would ({@code fill(3.9)} on {@code INT} stores 3).
     */
    void fill(MemorySegment segment, Number value) {
        Objects.requireNonNull(value, "value");
        long count = segment.byteSize() / layout.byteSize();
        switch (kind) {
            case BYTE -> segment.fill(value.byteValue());
            case SHORT -> {
                short v = value.shortValue();
                if (v == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_SHORT, i, v); }
                }
            }
            case CHAR -> {
                char v = (char) value.intValue();
                if (v == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_CHAR, i, v); }
                }
            }
            case INT -> {
                int v = value.intValue();
                if (v == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_INT, i, v); }
                }
            }
            case LONG -> {
                long v = value.longValue();
                if (v == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_LONG, i, v); }
                }
            }
            case FLOAT -> {
                float v = value.floatValue();
                if (Float.floatToRawIntBits(v) == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, v); }
                }
            }
            case DOUBLE -> {
                double v = value.doubleValue();
                if (Double.doubleToRawLongBits(v) == 0) { segment.fill((byte) 0); } else {
                    for (long i = 0; i < count; i++) { segment.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v); }
                }
            }
        }
    }

    /**
     * {@return the rule {@code bytes} breaks as a buffer size of this type, or null if it is one}:
     * sizes in YAML and the Actuator endpoint are bytes, buffers count elements, so a buffer size
     * must be a positive multiple of {@link #byteSize()} and hold at most {@link Integer#MAX_VALUE}
     * elements. The message reads after a name, e.g. {@code "must be a multiple of 4 bytes (the size of float)"}.
     */
    public @Nullable String bufferSizeRule(long bytes) {
        if (bytes <= 0) {
            return "must be positive";
        }
        if (bytes % byteSize() != 0) {
            return "must be a multiple of " + byteSize() + " bytes (the size of " + configName() + ")";
        }
        if (bytes / byteSize() > Integer.MAX_VALUE) {
            return "must be at most " + (long) Integer.MAX_VALUE * byteSize() + " bytes (" + Integer.MAX_VALUE + " "
                    + configName() + " elements)";
        }
        return null;
    }

    /**
     * {@return how many elements of this type {@code bytes} bytes hold}: the one place where a size
     * in bytes (YAML, the Actuator endpoint, {@link PoolSettings.Builder#bufferSizeInBytes}) becomes
     * a length in elements.
     *
     * @param field the setting the size is for, as named in the exception, e.g. {@code bufferSize}
     * @throws InvalidPoolSettingException naming {@code field}, the rule {@link #bufferSizeRule} gives
     *     and the value as {@code <bytes>B}
     */
    public int lengthForBytes(String field, long bytes) {
        String rule = bufferSizeRule(bytes);
        if (rule != null) {
            throw new InvalidPoolSettingException(field, rule, bytes + "B",
                    "a positive multiple of " + byteSize() + " bytes (the size of " + configName() + ")");
        }
        return (int) (bytes / byteSize());
    }

    /** {@return the lower-case name as used in configuration, e.g. {@code float}} */
    public String configName() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return kind.name();
    }
}
