package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.TensorSink;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.JacksonIOException;

/**
 * The JSON {@code data} array of one input read from the request's bytes, not from the parser's tokens:
 * numbers parsed where they lie in {@link HeaderInputStream}'s buffer ({@link JsonNumber}) and written into
 * the lease as they come, flat or nested (never deeper than the shape), to the array's closing {@code ]},
 * which it leaves for the parser. Every value goes to the same {@link TensorSink} method, with the same value,
 * as {@link JsonTensorSource}'s token by token reading gives it, so the datatypes' rules (ranges, integers
 * refusing fractions, {@code FP16}/{@code BF16} rounding, {@code BOOL}) are the sink's, unchanged; the JSON's
 * grammar inside the array is checked here as Jackson checks it (commas, white space, literals, strings), with
 * a message naming the line and column.
 *
 * <p>Used once, on the request's thread; not thread-safe.
 */
final class JsonDataScanner {

    /** The longest number token read whole (the digits allowed, a sign, a point, an exponent's 'e' and sign, and room). */
    private static final int LONGEST_NUMBER = JsonNumber.MAX_DIGITS + 8;
    /** The most bytes of a token an error message names (Jackson names up to 256 characters). */
    private static final int TOKEN_BYTES = 40;
    private static final String NOT_A_VALUE = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
    private static final int OPENED = 0;
    private static final int AFTER_COMMA = 1;
    private static final int AFTER_VALUE = 2;
    /** Bytes of a string's start decoded for a refusal's message (41 characters of up to 6 bytes each). */
    private static final int STRING_PREFIX = 256;
    /** {@code FP32} values written to the sink in one copy. */
    private static final int BATCH = 512;

    private final HeaderInputStream in;
    private final DeclaredInput input;
    private final Datatype type;
    private final int maxDepth;
    private final JsonNumber number = new JsonNumber();
    /** {@code FP32} values not yet in the sink, and how many there may be before the next {@link #flush}. */
    private final float[] floats;
    private int buffered;
    private int capacity;
    private int line;
    private long lineStart;
    private boolean afterCarriageReturn;

    JsonDataScanner(HeaderInputStream in, DeclaredInput input) {
        this.in = in;
        this.input = input;
        this.type = input.type();
        this.maxDepth = Math.max(1, input.shape().length);
        this.floats = type == Datatype.FP32 ? new float[(int) Math.min(BATCH, input.elementCount())] : new float[0];
    }

    /**
     * Reads the array whose {@code [} the stream handed the parser last, into {@code sink}.
     *
     * @throws InferenceException for malformed JSON and for values the datatype refuses
     * @throws JacksonIOException when reading the body failed (as the parser's reads would)
     */
    void scan(TensorSink sink) {
        line = in.line();
        lineStart = in.lineStart();
        flush(sink);
        try {
            scanArray(sink);
        } catch (IOException e) {
            throw JacksonIOException.construct(e);
        }
    }

    private void scanArray(TensorSink sink) throws IOException {
        byte[] b = in.buffer();
        int p = in.position();
        int end = in.end();
        int depth = 1;
        int state = OPENED;
        boolean fp32 = type == Datatype.FP32;
        while (true) {
            int c;
            while (true) {
                if (p >= end) {
                    in.position(p);
                    if (!in.more()) {
                        throw malformed(in.end(), "Unexpected end-of-input: expected close marker for the data array of input '"
                                + input.name() + "'");
                    }
                    b = in.buffer();
                    p = in.position();
                    end = in.end();
                }
                c = b[p];
                if (c > ' ' || c < 0) {
                    afterCarriageReturn = false;
                    break;
                }
                whiteSpace(c, p);
                p++;
            }
            if (state == AFTER_VALUE) {
                if (c == ',') {
                    state = AFTER_COMMA;
                    p++;
                } else if (c == ']') {
                    if (--depth == 0) {
                        flush(sink);
                        in.resume(p, line, lineStart);
                        return;
                    }
                    p++;
                } else {
                    throw malformed(p, unexpected(c) + ": was expecting comma to separate Array entries");
                }
                continue;
            }
            if ((c >= '0' && c <= '9') || c == '-') {
                while (true) {
                    int after = number.parse(b, p, end, false);
                    while (after == JsonNumber.NEED_MORE) {
                        if (end - p > LONGEST_NUMBER) {
                            throw tooLong(p);
                        }
                        in.position(p);
                        boolean more = in.more();
                        b = in.buffer();
                        p = in.position();
                        end = in.end();
                        after = number.parse(b, p, end, !more);
                    }
                    if (after < 0) {
                        // A fault past the longest number allowed: too long, as it is when the number comes in pieces.
                        throw number.errorAt() - p > LONGEST_NUMBER ? tooLong(p) : malformed(number.errorAt(), number.error());
                    }
                    if (number.isLiteral()) {
                        checkWordEnd(b, p, after, end);
                    }
                    if (fp32) {
                        float value = number.floatValue();
                        if (Float.isInfinite(value) && !number.isLiteral()) {
                            flush(sink);
                            throw JsonTensorSource.outOfRange(input, sink, number.text(), "FP32");
                        }
                        if (buffered == capacity) {
                            flush(sink);
                            if (capacity == 0) {
                                sink.appendFloat(value);   // one more than the shape holds: the sink refuses it
                            }
                        }
                        floats[buffered++] = value;
                    } else {
                        append(sink);
                    }
                    p = after;
                    // The common case, "1.5,2.5" or "1.5, 2.5": straight on to the next number.
                    if (p + 2 < end && b[p] == ',') {
                        int next = b[p + 1] == ' ' ? p + 2 : p + 1;
                        int first = b[next];
                        if ((first >= '0' && first <= '9') || first == '-') {
                            p = next;
                            continue;
                        }
                    }
                    break;
                }
                state = AFTER_VALUE;
                continue;
            }
            if (fp32) {
                flush(sink);   // what follows may name the element's index
            }
            switch (c) {
                case '[' -> {
                    depth = JsonTensorSource.deeper(input, maxDepth, depth);
                    state = OPENED;
                    p++;
                }
                case ']' -> {
                    if (state != OPENED) {
                        throw malformed(p, unexpected(c) + ": expected a value (a trailing comma is not JSON)");
                    }
                    if (--depth == 0) {
                        flush(sink);
                        in.resume(p, line, lineStart);
                        return;
                    }
                    p++;
                    state = AFTER_VALUE;
                }
                case 'N', 'I', '+' -> {
                    in.position(p);
                    p = literalNumber(sink, p);
                    b = in.buffer();
                    end = in.end();
                    state = AFTER_VALUE;
                    if (fp32) {
                        flush(sink);   // the room left for buffered values, one less
                    }
                }
                case 't', 'f', 'n' -> {
                    in.position(p);
                    p = word(sink, p, c == 't' ? "true" : c == 'f' ? "false" : "null");   // FP32: always refused
                    b = in.buffer();
                    end = in.end();
                    state = AFTER_VALUE;
                }
                case '"' -> {
                    in.position(p);
                    throw JsonTensorSource.notAnElement(input, sink.appended(), JsonToken.VALUE_STRING, string());
                }
                case '{' -> throw JsonTensorSource.notAnElement(input, sink.appended(), JsonToken.START_OBJECT, null);
                default -> throw malformed(p, unexpected(c) + ": expected a value");
            }
        }
    }

    /**
     * Writes the buffered {@code FP32} values into the sink, and sets how many may be buffered next: at most as
     * many as the shape has left, so that one too many reaches the sink when the token path's would.
     */
    private void flush(TensorSink sink) {
        if (buffered > 0) {
            sink.appendFloats(floats, 0, buffered);
            buffered = 0;
        }
        capacity = (int) Math.min(floats.length, input.elementCount() - sink.appended());
    }

    /** A number of any datatype but {@code FP32}: to the sink method, with the value, that Jackson's tokens lead to. */
    private void append(TensorSink sink) {
        JsonNumber n = number;
        if (type.isFloatingPoint()) {
            double value = n.doubleValue();
            if (Double.isInfinite(value) && !n.isLiteral()) {
                throw JsonTensorSource.outOfRange(input, sink, n.text(), "FP64");
            }
            sink.appendDouble(value);
        } else if (n.kind() == JsonNumber.INTEGER) {
            if (n.fitsLong()) {
                sink.appendLong(n.longValue());
            } else {
                sink.appendInteger(n.bigIntegerValue());
            }
        } else {
            double value = n.doubleValue();
            if (Double.isInfinite(value) && !n.isLiteral()) {
                throw JsonTensorSource.outOfRange(input, sink, n.text(), "FP64");
            }
            sink.appendDouble(value);
        }
    }

    /** {@code NaN}, {@code Infinity}, {@code +Infinity}, {@code +INF} at {@code p} (the stream's position): {@return the index after it} */
    private int literalNumber(TensorSink sink, int p) throws IOException {
        ensure(p, 12);
        p = in.position();
        int after = number.parse(in.buffer(), p, in.end(), true);
        if (after < 0) {
            if (number.error().equals("unrecognized token")) {
                throw unrecognized(number.errorAt(), p, "was expecting a number");
            }
            throw malformed(number.errorAt(), number.error());
        }
        checkWordEnd(in.buffer(), p, after, in.end());
        if (type == Datatype.FP32) {
            sink.appendFloat(number.floatValue());
        } else {
            append(sink);
        }
        return after;
    }

    /** {@code true}, {@code false} or {@code null} at {@code p} (the stream's position): {@return the index after it} */
    private int word(TensorSink sink, int p, String word) throws IOException {
        ensure(p, word.length());
        p = in.position();
        byte[] b = in.buffer();
        int end = in.end();
        for (int i = 0; i < word.length(); i++) {
            if (p + i >= end || b[p + i] != word.charAt(i)) {
                throw unrecognized(p, p, NOT_A_VALUE);
            }
        }
        ensure(p, word.length() + 1);
        p = in.position();
        checkWordEnd(in.buffer(), p, p + word.length(), in.end());
        switch (word) {
            case "null" -> throw JsonTensorSource.notAnElement(input, sink.appended(), JsonToken.VALUE_NULL, null);
            case "true", "false" -> {
                if (type == Datatype.FP32) {
                    throw JsonTensorSource.notAnElement(input, sink.appended(),
                            word.equals("true") ? JsonToken.VALUE_TRUE : JsonToken.VALUE_FALSE, null);
                }
                sink.appendBoolean(word.equals("true"));
            }
            default -> throw new IllegalArgumentException(word);
        }
        return p + word.length();
    }

    /**
     * {@return the text of the string at the stream's position, from its first {@value #STRING_PREFIX} bytes} (for a
     * refusal's message); a fault in those bytes is refused as malformed. Never more than those bytes, however many
     * the buffer holds: the refusal is the same however the container cut the body into reads.
     */
    private String string() throws IOException {
        int p = in.position();
        ensure(p, STRING_PREFIX);
        p = in.position();
        byte[] b = in.buffer();
        int end = Math.min(in.end(), p + STRING_PREFIX);
        StringBuilder text = new StringBuilder();
        int run = p + 1;
        int i = p + 1;
        while (i < end) {
            int c = b[i];
            if (c == '"') {
                break;
            }
            if (c >= 0 && c < ' ') {
                throw malformed(i, "Illegal unquoted character (CTRL-CHAR, code " + c + "): has to be escaped using "
                        + "backslash to be included in string value");
            }
            if (c != '\\') {
                i++;
                continue;
            }
            text.append(new String(b, run, i - run, StandardCharsets.UTF_8));
            if (i + 1 >= end) {
                break;
            }
            int escaped = b[i + 1];
            i += 2;
            switch (escaped) {
                case '"', '\\', '/' -> text.append((char) escaped);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    if (i + 4 > end) {
                        i = end;
                        break;
                    }
                    int value = 0;
                    for (int k = 0; k < 4; k++) {
                        int digit = Character.digit(b[i + k], 16);
                        if (digit < 0) {
                            throw malformed(i + k, "Unexpected character (" + describe(b[i + k]) + "): expected a hex-digit "
                                    + "for character escape sequence");
                        }
                        value = value * 16 + digit;
                    }
                    text.append((char) value);
                    i += 4;
                }
                default -> throw malformed(i - 1, "Unrecognized character escape " + describe(escaped));
            }
            run = i;
        }
        text.append(new String(b, run, Math.min(i, end) - run, StandardCharsets.UTF_8));
        return text.toString();
    }

    /** Makes at least {@code bytes} bytes from {@code p} available in the buffer, or all there are; the stream's position is then theirs. */
    private void ensure(int p, int bytes) throws IOException {
        in.position(p);
        while (in.end() - in.position() < bytes && in.more()) {
            // reading on
        }
    }

    private void whiteSpace(int c, int p) {
        switch (c) {
            case ' ', '\t' -> afterCarriageReturn = false;
            case '\n' -> {
                if (!afterCarriageReturn) {
                    line++;
                }
                lineStart = in.offsetOf(p) + 1;
                afterCarriageReturn = false;
            }
            case '\r' -> {
                line++;
                lineStart = in.offsetOf(p) + 1;
                afterCarriageReturn = true;
            }
            default -> throw malformed(p, "Illegal character (CTRL-CHAR, code " + c + "): only regular white space "
                    + "(\\r, \\n, \\t) is allowed between tokens");
        }
    }

    /**
     * Refuses a word ({@code true}, {@code NaN}, ...) that goes on in letters or digits ({@code NaNx}), before its
     * value is taken, as Jackson does; a number is taken first, and the byte after it refused after.
     */
    private void checkWordEnd(byte[] b, int p, int after, int end) throws IOException {
        if (after < end) {
            int c = b[after];
            if (c < 0 || c == '_' || c == '$' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
                throw unrecognized(p, p, NOT_A_VALUE);
            }
        }
    }

    /**
     * {@return the refusal of the number at {@code p}, longer than {@value #LONGEST_NUMBER} bytes}, naming its digits as
     * {@link JsonNumber} counts them (integer, fraction and exponent): counted to the number's end, reading on without
     * keeping the bytes, so the refusal is the same however the container cut the body into reads.
     */
    private InferenceException tooLong(int p) throws IOException {
        long offset = in.offsetOf(p);
        long digits = 0;
        int part = 0;   // 0: before the first digit (a '-' allowed), 1: integer digits, 2: fraction, 3: after 'e' (a sign allowed), 4: exponent
        int i = p;
        scan:
        while (true) {
            byte[] b = in.buffer();
            int end = in.end();
            for (; i < end; i++) {
                int c = b[i];
                boolean digit = c >= '0' && c <= '9';
                if (digit) {
                    digits++;
                    part = part == 0 ? 1 : part == 3 ? 4 : part;
                } else if (part == 0 && c == '-') {
                    part = 1;
                } else if (part == 1 && c == '.') {
                    part = 2;
                } else if ((part == 1 || part == 2) && (c | 0x20) == 'e') {
                    part = 3;
                } else if (part == 3 && (c == '-' || c == '+')) {
                    part = 4;
                } else {
                    break scan;
                }
            }
            in.position(end);
            if (!in.more()) {
                break;
            }
            i = in.position();
        }
        return malformedAt(offset, "Number value length (" + digits + ") exceeds the maximum allowed (" + JsonNumber.MAX_DIGITS + ")");
    }

    /**
     * {@return the refusal of the token at {@code p}, reported at {@code at}}: the token is read on to
     * {@value #TOKEN_BYTES} bytes first, so the message is the same however the container cut the body into reads.
     */
    private InferenceException unrecognized(int at, int p, String expecting) throws IOException {
        long offset = in.offsetOf(at);
        ensure(p, TOKEN_BYTES);
        return malformedAt(offset, "Unrecognized token '" + token(in.position()) + "': " + expecting);
    }

    private String token(int p) {
        byte[] b = in.buffer();
        int end = Math.min(in.end(), p + TOKEN_BYTES);
        int i = p;
        while (i < end && b[i] > ' ' && b[i] != ',' && b[i] != ']' && b[i] != '[') {
            i++;
        }
        return new String(b, p, i - p, StandardCharsets.UTF_8);
    }

    private InferenceException malformed(int index, String message) {
        return malformedAt(in.offsetOf(index), message);
    }

    private InferenceException malformedAt(long offset, String message) {
        return InferRequestReader.invalid("malformed JSON at line " + line + ", column " + (offset - lineStart + 1) + ": " + message);
    }

    private static String unexpected(int c) {
        return "Unexpected character (" + describe(c) + ")";
    }

    private static String describe(int c) {
        int value = c & 0xFF;
        return value >= ' ' && value < 0x7F ? "'" + (char) value + "' (code " + value + ")" : "code " + value;
    }
}
