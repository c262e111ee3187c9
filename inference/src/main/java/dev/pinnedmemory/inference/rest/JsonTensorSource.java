package dev.pinnedmemory.inference.rest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.TensorSink;
import dev.pinnedmemory.inference.TensorSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The JSON {@code data} of one input, read straight into its lease: each number goes into the
 * {@link TensorSink} (which checks it against the datatype), with no list of boxed numbers and no array on
 * the heap. The data may be flat or nested in row-major order, but never nested deeper than the shape has
 * dimensions. The parser stands on the array's start; it is left on its end.
 *
 * <p>When the parser reads a {@link HeaderInputStream} that stopped right after the array's {@code [} (as it
 * does for every {@code "data"} value), the numbers are read from the bytes by a {@link JsonDataScanner},
 * which is several times faster than the parser's tokens; otherwise (another source, the datatype
 * {@code BYTES}) token by token from the parser. Both give the sink the same values. Used once, on the
 * request's thread.
 */
final class JsonTensorSource implements TensorSource {

    private final JsonParser json;
    private final DeclaredInput input;
    private final int maxDepth;

    JsonTensorSource(JsonParser json, DeclaredInput input) {
        this.json = json;
        this.input = input;
        this.maxDepth = Math.max(1, input.shape().length);
    }

    @Override
    public void fill(TensorSink sink) {
        if (json.streamReadInputSource() instanceof HeaderInputStream header && header.takeOver(json)) {
            new JsonDataScanner(header, input).scan(sink);
            json.nextToken();   // the array's end, which the scanner left for the parser
            return;
        }
        if (input.type() == Datatype.FP32) {
            fillFloats(sink);
            return;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken token = json.nextToken();
            switch (token) {
                case START_ARRAY -> depth = deeper(depth);
                case END_ARRAY -> depth--;
                case VALUE_NUMBER_INT -> {
                    if (input.type().isFloatingPoint()) {
                        appendNumber(sink);
                    } else if (json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        sink.appendInteger(json.getBigIntegerValue());
                    } else {
                        sink.appendLong(json.getLongValue());
                    }
                }
                case VALUE_NUMBER_FLOAT -> appendNumber(sink);
                case VALUE_TRUE -> sink.appendBoolean(true);
                case VALUE_FALSE -> sink.appendBoolean(false);
                case null -> throw InferRequestReader.invalid(input.name() + ": the JSON ended inside its data");
                default -> throw notAnElement(sink.appended(), token);
            }
        }
    }

    /** The common case, kept tight: FP32 numbers parsed as floats and written as they come. */
    private void fillFloats(TensorSink sink) {
        int depth = 1;
        while (depth > 0) {
            JsonToken token = json.nextToken();
            if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
                float value = json.getFloatValue();
                if (Float.isInfinite(value)) {
                    checkLiteral(sink, "FP32");
                } else if (value == 0 && token == JsonToken.VALUE_NUMBER_INT && json.getString().startsWith("-")) {
                    value = -0.0f;   // Jackson reads the integer -0 as 0; the number is -0.0, as the scanner and Float.parseFloat have it
                }
                sink.appendFloat(value);
            } else if (token == JsonToken.START_ARRAY) {
                depth = deeper(depth);
            } else if (token == JsonToken.END_ARRAY) {
                depth--;
            } else if (token == null) {
                throw InferRequestReader.invalid(input.name() + ": the JSON ended inside its data");
            } else {
                throw notAnElement(sink.appended(), token);
            }
        }
    }

    /**
     * A number (integer or not) for a datatype that is not an integer, as the nearest double: the value
     * {@code Double.parseDouble} gives its text ({@code -0} is {@code -0.0}); a finite number too large for a
     * double is out of range.
     */
    private void appendNumber(TensorSink sink) {
        double value = json.getDoubleValue();
        if (Double.isInfinite(value)) {
            checkLiteral(sink, "FP64");
        } else if (value == 0 && json.currentToken() == JsonToken.VALUE_NUMBER_INT && json.getString().startsWith("-")) {
            value = -0.0;
        }
        sink.appendDouble(value);
    }

    /**
     * Refuses a number that is infinite only because it overflowed {@code range} (a literal
     * {@code Infinity} is taken as it is): every number's text ends with a digit, the literals with a letter.
     */
    private void checkLiteral(TensorSink sink, String range) {
        String text = json.getString();
        if (!text.isEmpty() && Character.isDigit(text.charAt(text.length() - 1))) {
            throw outOfRange(input, sink, text, range);
        }
    }

    /** {@return the refusal of a number that is finite as written but infinite as a {@code range} value} */
    static InferenceException outOfRange(DeclaredInput input, TensorSink sink, String text, String range) {
        return InferRequestReader.invalid("input '" + input.name() + "' (" + input.type() + ", shape "
                + java.util.Arrays.toString(input.shape()) + ") element " + sink.appended() + ": " + abbreviated(text)
                + " is out of range of " + range);
    }

    /**
     * {@return the UTF-8 bytes of each string of a {@code BYTES} input's JSON data}: part of the JSON's
     * structure, so on the heap, at most as many as the shape has elements.
     */
    static List<byte[]> strings(JsonParser json, DeclaredInput input) {
        JsonTensorSource shape = new JsonTensorSource(json, input);
        List<byte[]> elements = new ArrayList<>((int) Math.min(input.elementCount(), 1024));
        int depth = 1;
        while (depth > 0) {
            JsonToken token = json.nextToken();
            switch (token) {
                case START_ARRAY -> depth = shape.deeper(depth);
                case END_ARRAY -> depth--;
                case VALUE_STRING -> {
                    if (elements.size() >= input.elementCount()) {
                        throw InferRequestReader.invalid("input '" + input.name() + "' (BYTES, shape "
                                + java.util.Arrays.toString(input.shape()) + "): more than the " + input.elementCount()
                                + " elements its shape holds");
                    }
                    elements.add(json.getString().getBytes(StandardCharsets.UTF_8));
                }
                case null -> throw InferRequestReader.invalid(input.name() + ": the JSON ended inside its data");
                default -> throw shape.notAnElement(elements.size(), token);
            }
        }
        if (elements.size() != input.elementCount()) {
            throw InferRequestReader.invalid("input '" + input.name() + "' (BYTES, shape " + java.util.Arrays.toString(input.shape())
                    + "): " + elements.size() + " elements, but the shape holds " + input.elementCount());
        }
        return elements;
    }

    private int deeper(int depth) {
        return deeper(input, maxDepth, depth);
    }

    /** {@return {@code depth + 1}, the nesting inside one more array, if the shape allows it} */
    static int deeper(DeclaredInput input, int maxDepth, int depth) {
        if (depth >= maxDepth) {
            throw InferRequestReader.invalid("input '" + input.name() + "': its data is nested deeper than its shape "
                    + java.util.Arrays.toString(input.shape()) + " (at most " + maxDepth + " levels of arrays)");
        }
        return depth + 1;
    }

    private InferenceException notAnElement(long index, JsonToken token) {
        return notAnElement(input, index, token, token == JsonToken.VALUE_STRING ? json.getString() : null);
    }

    /** {@return the refusal of a value that is no element of the input's datatype} ({@code string}: a string's text) */
    static InferenceException notAnElement(DeclaredInput input, long index, JsonToken token, @Nullable String string) {
        String what = InferRequestReader.describe(token);
        return InferRequestReader.invalid("input '" + input.name() + "' (" + input.type() + ") element " + index + ": "
                + what + (string != null ? " \"" + abbreviated(string) + "\"" : "") + " is not "
                + switch (input.type()) {
                    case BOOL -> "a BOOL (expected: true or false)";
                    case BYTES -> "a BYTES element (expected: a string)";
                    default -> "a " + input.type() + " (expected: a number)";
                });
    }

    private static String abbreviated(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
