package dev.pinnedmemory.inference.rest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One JSON number read from UTF-8 bytes, and its value as each datatype wants it: the number parser of
 * {@link JsonDataScanner}, a unit of its own so that tests and a fuzz target can drive it with any bytes.
 *
 * <p>{@link #parse} accepts what Jackson's parser accepts as one number token with the protocol's settings:
 * JSON's grammar ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, no leading zeros, no {@code +}),
 * and the literals {@code NaN}, {@code Infinity}, {@code -Infinity}, {@code +Infinity}, {@code -INF} and
 * {@code +INF} ({@code JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS}); at most {@link #MAX_DIGITS} digits. It
 * reads the decimal significand (up to {@value #MAX_SIGNIFICANT} significant digits) and exponent in the
 * same pass, so that the values need no text:
 * <ul>
 * <li>{@link #floatValue()} is {@code Float.parseFloat} of the token, bit for bit: exact in float arithmetic
 *     when the significand is at most 2^24 and the exponent at most 10 in magnitude (Clinger's fast path: both
 *     operands exact, one correctly rounded operation); otherwise, for exponents up to 22 in magnitude, one
 *     double operation (exact operands, or a significand rounded once), rounded to float, unless the double
 *     lies within its error of a float halfway point or outside float's normal range; anything else (ties,
 *     subnormals, overflow, more digits or larger exponents) is {@code Float.parseFloat} of the token's text.</li>
 * <li>{@link #doubleValue()} is {@code Double.parseDouble} of the token, bit for bit: Clinger's fast path for
 *     doubles (significand below 2^53, exponent up to 22, or a little more when the significand takes the rest
 *     exactly), else {@code Double.parseDouble} of the text.</li>
 * <li>{@link #fitsLong()} and {@link #longValue()} for integers of up to {@value #MAX_SIGNIFICANT} digits;
 *     {@link #bigIntegerValue()} for the others.</li>
 * </ul>
 * The values of {@code -0} are {@code -0.0} (IEEE 754, as {@code Float.parseFloat} has it) and {@code 0}.
 *
 * <p>Mutable (one token at a time), not thread-safe: one per scanner.
 */
final class JsonNumber {

    /** {@link #parse} needs the bytes after {@code end}: the token may go on there. */
    static final int NEED_MORE = -1;

    /** The most digits a number may have (Jackson's default {@code maxNumberLength}). */
    static final int MAX_DIGITS = 1000;

    /** Significant digits kept in the significand (10^18 - 1 fits a long, with room to multiply by 10). */
    static final int MAX_SIGNIFICANT = 18;

    /** Token kinds. */
    static final int INTEGER = 0;
    static final int DECIMAL = 1;
    static final int NAN = 2;
    static final int INFINITY = 3;

    private static final float[] FLOAT_POWERS = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    private static final double[] DOUBLE_POWERS = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
            1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    private static final long[] LONG_POWERS = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
            100_000_000L, 1_000_000_000L, 10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L,
            100_000_000_000_000L, 1_000_000_000_000_000L};
    private static final VarHandle LITTLE_ENDIAN_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes {@link #parsePlain} needs ahead: the longest number it reads (18 digits, a sign, a point, a 4-digit exponent), and a word more. */
    static final int FAST_WINDOW = 40;
    private static final long TWO_TO_THE_24 = 1L << 24;
    private static final long TWO_TO_THE_53 = 1L << 53;
    /** Biased double exponents of float's normal range, [2^-126, 2^128). */
    private static final int FLOAT_MIN_EXPONENT = 1023 - 126;
    private static final int FLOAT_MAX_EXPONENT = 1023 + 127;
    /** The 29 bits of a double's fraction that a float drops, and their value at a float halfway point. */
    private static final int DROPPED_BITS = (1 << 29) - 1;
    private static final int HALFWAY = 1 << 28;
    /** Units in the last place of the double by which an inexact double may miss the number (it misses by less than 2). */
    private static final int INEXACT_MARGIN = 8;
    private static final int EXPONENT_CAP = 100_000;
    private static final byte[] INFINITY_TEXT = "Infinity".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NAN_TEXT = "NaN".getBytes(StandardCharsets.US_ASCII);

    private int kind;
    private boolean negative;
    private long significand;
    private int exponent;
    /** Some nonzero digit did not fit in the significand: the value is not {@code significand * 10^exponent}. */
    private boolean truncated;
    private byte[] bytes = new byte[0];
    private int start;
    private int end;
    private String error = "";
    private int errorAt;

    /**
     * Reads the number token that starts at {@code from} (its first byte is a digit, {@code -}, {@code +},
     * {@code N} or {@code I}; anything else is malformed) and {@return the index of the byte after it}, the
     * byte that must end it (the caller checks that it may: a comma, a bracket, white space); or
     * {@link #NEED_MORE} when the bytes up to {@code to} are a beginning of a number and {@code atEnd} is
     * false; or {@code -2 - index} when the token is malformed ({@link #error()} says why, at that index).
     */
    int parse(byte[] source, int from, int to, boolean atEnd) {
        if (to - from >= FAST_WINDOW) {
            int after = parsePlain(source, from, to);
            if (after >= 0) {
                return after;
            }
        }
        return parseAny(source, from, to, atEnd);
    }

    /**
     * The common case, eight digits at a time (SWAR: the digits of a little-endian long, found and converted
     * with a few multiplications): a plain number, at most {@value #MAX_SIGNIFICANT} digits and a short
     * exponent, with at least {@value #FAST_WINDOW} bytes from {@code from} to {@code to}; {@return the index
     * after it}, or -1 for anything else (which {@link #parseAny} reads, or refuses, byte by byte).
     */
    private int parsePlain(byte[] source, int from, int to) {
        int p = from;
        boolean minus = source[p] == '-';
        if (minus) {
            p++;
        }
        int first = p;
        long m = 0;
        while (true) {
            if (p + 8 > to) {
                return -1;
            }
            long word = (long) LITTLE_ENDIAN_LONGS.get(source, p);
            int k = leadingDigits(word);
            if (k == 0) {
                break;
            }
            m = m * LONG_POWERS[k] + digits(word, k);   // past 18 digits it may overflow, then it is not used
            p += k;
            if (k < 8) {
                break;
            }
            if (p - first > MAX_SIGNIFICANT) {
                return -1;
            }
        }
        int whole = p - first;
        if (whole == 0 || (source[first] == '0' && whole > 1)) {
            return -1;
        }
        int fraction = 0;
        int kind = INTEGER;
        if (source[p] == '.') {
            kind = DECIMAL;
            int point = ++p;
            while (true) {
                if (p + 8 > to) {
                    return -1;
                }
                long word = (long) LITTLE_ENDIAN_LONGS.get(source, p);
                int k = leadingDigits(word);
                if (k == 0) {
                    break;
                }
                m = m * LONG_POWERS[k] + digits(word, k);
                p += k;
                if (k < 8) {
                    break;
                }
                if (whole + p - point > MAX_SIGNIFICANT) {
                    return -1;
                }
            }
            fraction = p - point;
            if (fraction == 0) {
                return -1;
            }
        }
        if (whole + fraction > MAX_SIGNIFICANT) {
            return -1;
        }
        int scale = -fraction;
        int c = source[p];
        if ((c | 0x20) == 'e') {
            kind = DECIMAL;
            c = source[++p];
            boolean negativeExponent = c == '-';
            if (c == '-' || c == '+') {
                c = source[++p];
            }
            int value = 0;
            int exponentStart = p;
            while (c >= '0' && c <= '9' && p - exponentStart < 4) {
                value = value * 10 + (c - '0');
                c = source[++p];
            }
            if (p == exponentStart || (c >= '0' && c <= '9') || p >= to) {
                return -1;
            }
            scale += negativeExponent ? -value : value;
        }
        if (p >= to) {
            return -1;
        }
        this.bytes = source;
        this.start = from;
        this.end = p;
        this.kind = kind;
        this.negative = minus;
        this.significand = m;
        this.exponent = scale;
        this.truncated = false;
        return p;
    }

    /** {@return how many of the eight bytes of {@code word} (little-endian: the first byte lowest) are digits before the first that is not} */
    static int leadingDigits(long word) {
        // A byte is a digit when its high nibble is 3 and adding 6 leaves it 3 (its low nibble is at most 9).
        long nibbles = (word & 0xF0F0F0F0F0F0F0F0L) | (((word + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) >>> 4);
        return Long.numberOfTrailingZeros(nibbles ^ 0x3333333333333333L) >>> 3;
    }

    /** {@return the value of the first {@code count} (1 to 8) bytes of {@code word}, all digits} */
    static long digits(long word, int count) {
        long value = (word - 0x3030303030303030L) << (8 * (8 - count));   // the other bytes go; zeros lead
        value = value * 10 + (value >>> 8);                                  // pairs of digits
        return (((value & 0x000000FF000000FFL) * (100 + (1_000_000L << 32)))
                + (((value >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32)))) >>> 32;
    }

    /** Any number token, byte by byte: see {@link #parse}. */
    private int parseAny(byte[] source, int from, int to, boolean atEnd) {
        bytes = source;
        start = from;
        kind = INTEGER;
        negative = false;
        significand = 0;
        exponent = 0;
        truncated = false;
        int p = from;
        if (p >= to) {
            return atEnd ? malformed("no number at the end of the input", p) : NEED_MORE;
        }
        int c = source[p];
        if (c == '-' || c == '+') {
            negative = c == '-';
            if (++p >= to) {
                return atEnd ? malformed("expected a digit (0-9) to follow the " + (negative ? "minus" : "plus") + " sign", p) : NEED_MORE;
            }
            c = source[p];
            if (c == 'I') {
                return literal(source, p, to, atEnd);
            }
            if (!negative) {
                return malformed("JSON does not allow numbers to have plus signs", from);
            }
        } else if (c == 'N' || c == 'I') {
            return literal(source, p, to, atEnd);
        }
        if (c < '0' || c > '9') {
            return malformed(negative ? "expected a digit (0-9) to follow the minus sign" : "not a number", p);
        }
        long m = 0;
        int kept = 0;
        int scale = 0;
        boolean lost = false;
        int digits = 0;
        if (c == '0') {
            p++;
            digits = 1;
            if (p < to && source[p] >= '0' && source[p] <= '9') {
                return malformed("leading zeroes are not allowed", p);
            }
        } else {
            for (; p < to && (c = source[p]) >= '0' && c <= '9'; p++) {
                if (kept < MAX_SIGNIFICANT) {
                    m = m * 10 + (c - '0');
                    kept++;
                } else {
                    scale++;
                    lost |= c != '0';
                }
            }
            digits = kept + scale;
        }
        if (p < to && source[p] == '.') {
            kind = DECIMAL;
            int first = ++p;
            for (; p < to && (c = source[p]) >= '0' && c <= '9'; p++) {
                if (m == 0 && c == '0') {
                    scale--;
                } else if (kept < MAX_SIGNIFICANT) {
                    m = m * 10 + (c - '0');
                    kept++;
                    scale--;
                } else {
                    lost |= c != '0';
                }
            }
            if (p == first) {
                return p < to || atEnd ? malformed("the decimal point must be followed by a digit", p) : NEED_MORE;
            }
            digits += p - first;
        }
        if (p < to && (source[p] | 0x20) == 'e') {
            kind = DECIMAL;
            p++;
            boolean negativeExponent = false;
            if (p < to && (source[p] == '-' || source[p] == '+')) {
                negativeExponent = source[p] == '-';
                p++;
            }
            int first = p;
            int value = 0;
            for (; p < to && (c = source[p]) >= '0' && c <= '9'; p++) {
                if (value < EXPONENT_CAP) {
                    value = value * 10 + (c - '0');
                }
            }
            if (p == first) {
                return p < to || atEnd ? malformed("the exponent indicator must be followed by a digit", p) : NEED_MORE;
            }
            digits += p - first;
            scale += negativeExponent ? -value : value;
        }
        if (p >= to && !atEnd) {
            return NEED_MORE;
        }
        if (digits > MAX_DIGITS) {
            return malformed("Number value length (" + digits + ") exceeds the maximum allowed (" + MAX_DIGITS + ")", from);
        }
        significand = m;
        exponent = scale;
        truncated = lost;
        end = p;
        return p;
    }

    /** {@code NaN}, {@code Infinity}, or after a sign {@code Infinity} or {@code INF}; {@code p} is at its first letter. */
    private int literal(byte[] source, int p, int to, boolean atEnd) {
        boolean signed = p != start;
        boolean nan = source[p] == 'N';
        if (nan && signed) {
            return malformed("expected a digit (0-9) to follow the sign", p);
        }
        int after;
        if (signed && p + 1 < to && source[p + 1] == 'N') {
            if (p + 2 >= to) {
                return atEnd ? malformed("unrecognized token", start) : NEED_MORE;
            }
            if (source[p + 2] != 'F') {
                return malformed("unrecognized token", start);
            }
            after = p + 3;
        } else {
            byte[] word = nan ? NAN_TEXT : INFINITY_TEXT;
            int i = 0;
            while (i < word.length && p + i < to && source[p + i] == word[i]) {
                i++;
            }
            if (i < word.length) {
                return p + i >= to && !atEnd ? NEED_MORE : malformed("unrecognized token", start);
            }
            after = p + i;
        }
        if (after >= to && !atEnd) {
            return NEED_MORE;
        }
        kind = nan ? NAN : INFINITY;
        end = after;
        return after;
    }

    private int malformed(String why, int at) {
        error = why;
        errorAt = at;
        return -2 - at;
    }

    /** {@return why the last {@link #parse} found the token malformed} */
    String error() {
        return error;
    }

    /** {@return where (an index into the bytes) the last {@link #parse} found the token malformed} */
    int errorAt() {
        return errorAt;
    }

    /** {@return the token's kind: {@link #INTEGER}, {@link #DECIMAL} (a fraction or an exponent), {@link #NAN} or {@link #INFINITY}} */
    int kind() {
        return kind;
    }

    /** {@return whether the token is a literal: {@code NaN} or an infinity} */
    boolean isLiteral() {
        return kind >= NAN;
    }

    /** {@return whether the token is an integer that {@link #longValue()} gives exactly} */
    boolean fitsLong() {
        return kind == INTEGER && exponent == 0 && !truncated;
    }

    /** {@return the integer's value; only when {@link #fitsLong()}} */
    long longValue() {
        return negative ? -significand : significand;
    }

    /** {@return the integer's value, of any size} */
    BigInteger bigIntegerValue() {
        return new BigInteger(text());
    }

    /** {@return the token's text, as the message of a refusal names it} */
    String text() {
        return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** {@return the nearest float, as {@code Float.parseFloat} rounds; {@code NaN} and the infinities as written} */
    float floatValue() {
        if (kind >= NAN) {
            return kind == NAN ? Float.NaN : negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        }
        long m = significand;
        int e = exponent;
        if (!truncated) {
            if (m == 0) {
                return negative ? -0.0f : 0.0f;
            }
            if (m <= TWO_TO_THE_24 && e >= -10 && e <= 10) {
                float value = e < 0 ? (float) m / FLOAT_POWERS[-e] : (float) m * FLOAT_POWERS[e];
                return negative ? -value : value;
            }
            if (e >= -22 && e <= 22) {
                double value = e < 0 ? (double) m / DOUBLE_POWERS[-e] : (double) m * DOUBLE_POWERS[e];
                long bits = Double.doubleToRawLongBits(value);
                int biased = (int) (bits >>> 52);
                int distance = Math.abs(((int) bits & DROPPED_BITS) - HALFWAY);
                if (biased >= FLOAT_MIN_EXPONENT && biased <= FLOAT_MAX_EXPONENT
                        && distance > (m < TWO_TO_THE_53 ? 0 : INEXACT_MARGIN)) {
                    float rounded = (float) value;
                    if (rounded != Float.POSITIVE_INFINITY) {
                        return negative ? -rounded : rounded;
                    }
                }
            }
        }
        return Float.parseFloat(text());
    }

    /** {@return the nearest double, as {@code Double.parseDouble} rounds; {@code NaN} and the infinities as written} */
    double doubleValue() {
        if (kind >= NAN) {
            return kind == NAN ? Double.NaN : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        long m = significand;
        int e = exponent;
        if (!truncated) {
            if (m == 0) {
                return negative ? -0.0 : 0.0;
            }
            if (m < TWO_TO_THE_53) {
                if (e > 22 && e <= 22 + 15 && m < TWO_TO_THE_53 / LONG_POWERS[e - 22]) {
                    m *= LONG_POWERS[e - 22];
                    e = 22;
                }
                if (e >= -22 && e <= 22) {
                    double value = e < 0 ? (double) m / DOUBLE_POWERS[-e] : (double) m * DOUBLE_POWERS[e];
                    return negative ? -value : value;
                }
            }
        }
        return Double.parseDouble(text());
    }
}
