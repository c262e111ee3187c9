package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamReadException;

/**
 * Reads one REST inference request into its {@link InferenceCall}: the headers first (refusing a JSON
 * header longer than {@code max-header-size} or the body, before reading anything), then the JSON
 * header as a stream of tokens (inputs with JSON data are declared and their numbers read into their leases
 * as they come, by {@link JsonTensorSource}; inputs with {@code binary_data_size} are declared, so every size is
 * checked before any binary byte is read), then the binary part: each binary input read from the socket
 * straight into its lease, in the order the JSON lists them, and the body must end there. An input whose
 * parameters name a shared memory region carries no data: it is attached to its region when declared.
 *
 * <p>Only the JSON's structure is on the heap (names, shapes, parameters, {@code BYTES} strings); the
 * parser reads through its own small recycled buffers and {@link HeaderInputStream}'s. Used once, on the
 * request's thread; not thread-safe.
 */
final class InferRequestReader {

    private final InferenceCall call;
    private final HttpServletRequest request;
    private final long maxHeaderBytes;
    private final @Nullable String urlVersion;
    private final List<DeclaredInput> binaryInputs = new ArrayList<>();
    private final List<String> seenFields = new ArrayList<>(4);
    private int inputIndex;

    InferRequestReader(InferenceCall call, HttpServletRequest request, long maxHeaderBytes, @Nullable String urlVersion) {
        this.call = call;
        this.request = request;
        this.maxHeaderBytes = maxHeaderBytes;
        this.urlVersion = urlVersion;
    }

    /**
     * Reads the whole request into the call.
     *
     * @throws InferenceException for everything the protocol refuses
     * @throws IOException when the client went away
     */
    void read() throws IOException {
        long contentLength = request.getContentLengthLong();
        long headerLength = headerLength(contentLength);
        ServletInputStream body = request.getInputStream();
        HeaderInputStream header = new HeaderInputStream(body, headerLength >= 0 ? headerLength : maxHeaderBytes,
                headerLength < 0);
        readHeader(header);
        if (headerLength < 0) {
            if (!binaryInputs.isEmpty()) {
                throw invalid("input '" + binaryInputs.getFirst().name() + "' has binary_data_size, but the request has no "
                        + ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH + " header to say where its JSON ends");
            }
            return;
        }
        long binaryBytes = 0;
        for (DeclaredInput input : binaryInputs) {
            binaryBytes += input.byteSize();
        }
        if (contentLength >= 0 && contentLength != headerLength + binaryBytes) {
            throw invalid("Content-Length is " + contentLength + " bytes, but the JSON header (" + headerLength
                    + " bytes) and the binary_data_size of " + binaryInputs.stream().map(DeclaredInput::name).toList()
                    + " (" + binaryBytes + " bytes) add up to " + (headerLength + binaryBytes));
        }
        ServletTensorSource source = new ServletTensorSource(body);
        for (DeclaredInput input : binaryInputs) {
            call.receive(input, source);
        }
        if (contentLength < 0 && body.read() >= 0) {
            throw invalid("the body goes on after the binary data of the last input (" + (headerLength + binaryBytes)
                    + " bytes expected)");
        }
    }

    /** {@return the JSON header's length from {@code Inference-Header-Content-Length}, or -1 when the whole body is JSON} */
    private long headerLength(long contentLength) {
        String declared = request.getHeader(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH);
        if (declared == null) {
            if (contentLength > maxHeaderBytes) {
                throw invalid("a JSON body of " + contentLength + " bytes is larger than the limit of " + maxHeaderBytes
                        + " bytes (pinned-memory.inference.max-header-size); send tensors as binary data");
            }
            return -1;
        }
        long length;
        try {
            length = Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            throw invalid(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH + " '" + declared + "' is not a number of bytes");
        }
        if (length <= 0) {
            throw invalid(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH + " is " + length + " (expected: the JSON's length, at least 1)");
        }
        if (length > maxHeaderBytes) {
            throw invalid(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH + " claims " + length + " bytes of JSON, more than "
                    + "the limit of " + maxHeaderBytes + " bytes (pinned-memory.inference.max-header-size)");
        }
        if (contentLength >= 0 && length > contentLength) {
            throw invalid(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH + " is " + length + " bytes, more than the body's "
                    + "Content-Length of " + contentLength);
        }
        return length;
    }

    private void readHeader(HeaderInputStream header) throws IOException {
        try (JsonParser json = ProtocolJson.FACTORY.createParser(ObjectReadContext.empty(), header)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the request must be a JSON object, but starts with " + describe(json.currentToken()));
            }
            while (json.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = json.currentName();
                json.nextToken();
                once("request", field, seenFields);
                switch (field) {
                    case "id" -> call.id(string(json, "'id'"));
                    case "model_name" -> {
                        String name = string(json, "'model_name'");
                        if (!name.equals(call.modelName())) {
                            throw invalid("model_name '" + name + "' in the body, but the URL names model '" + call.modelName() + "'");
                        }
                    }
                    case "model_version" -> {
                        String version = string(json, "'model_version'");
                        if (!version.isEmpty() && !version.equals(call.modelVersion())) {
                            throw invalid("model_version '" + version + "' in the body, but version "
                                    + (urlVersion == null ? call.modelVersion() + " serves the request: put the version in the URL"
                                    : "'" + urlVersion + "' is in the URL"));
                        }
                    }
                    case "parameters" -> {
                        for (Map.Entry<String, Object> parameter : parameters(json, "the request's parameters").entrySet()) {
                            if (parameter.getKey().equals("binary_data_output") && !(parameter.getValue() instanceof Boolean)) {
                                throw invalid("parameter binary_data_output must be true or false, but is " + parameter.getValue());
                            }
                            call.parameter(parameter.getKey(), parameter.getValue());
                        }
                    }
                    case "inputs" -> {
                        expect(json, JsonToken.START_ARRAY, "'inputs' must be an array of input objects");
                        while (json.nextToken() != JsonToken.END_ARRAY) {
                            readInput(json);
                        }
                    }
                    case "outputs" -> {
                        expect(json, JsonToken.START_ARRAY, "'outputs' must be an array of output objects");
                        while (json.nextToken() != JsonToken.END_ARRAY) {
                            readOutput(json);
                        }
                    }
                    default -> json.skipChildren();
                }
            }
            if (json.nextToken() != null) {
                throw invalid("the JSON header goes on after its object, at byte " + header.offset(json.currentLocation()));
            }
        } catch (JacksonIOException e) {
            if (e.getCause() instanceof HeaderInputStream.TooLong tooLong) {
                throw invalid(tooLong.getMessage());
            }
            if (e.getCause() instanceof HeaderInputStream.NotUtf8 notUtf8) {
                throw invalid(notUtf8.getMessage());
            }
            throw e.getCause() != null ? e.getCause() : new IOException(e.getMessage(), e);
        } catch (StreamReadException e) {
            throw invalid("malformed JSON at " + header.where(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (JacksonException e) {
            // A limit of the parser (nesting, number or string length): its message without the class it names.
            throw invalid("malformed JSON: " + e.getOriginalMessage().replaceAll(", from `[^`]*`", ""));
        }
    }

    private void readInput(JsonParser json) throws IOException {
        int index = inputIndex++;
        expect(json, JsonToken.START_OBJECT, "input " + index + " must be a JSON object");
        String name = null;
        String datatype = null;
        long[] shape = null;
        Map<String, Object> parameters = Map.of();
        boolean data = false;
        List<String> seen = new ArrayList<>(5);
        while (json.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = json.currentName();
            json.nextToken();
            once("input " + (name == null ? index : "'" + name + "'"), field, seen);
            switch (field) {
                case "name" -> name = string(json, "the name of input " + index);
                case "datatype" -> datatype = string(json, "the datatype of input " + label(index, name));
                case "shape" -> shape = shape(json, label(index, name));
                case "parameters" -> parameters = parameters(json, "the parameters of input " + label(index, name));
                case "data" -> {
                    if (name == null || datatype == null || shape == null) {
                        throw invalid("input " + label(index, name) + ": 'data' must come after 'name', 'datatype' and "
                                + "'shape' (as the protocol's clients write them)");
                    }
                    if (parameters.containsKey("binary_data_size")) {
                        throw invalid("input '" + name + "' has both 'data' and binary_data_size");
                    }
                    if (SharedMemoryRegistry.refersToRegion(parameters)) {
                        throw invalid("input '" + name + "' has both 'data' and shared memory parameters (expected: one or the other)");
                    }
                    readData(json, call.declareInput(name, datatype, shape, parameters, DeclaredInput.UNKNOWN_SIZE));
                    data = true;
                }
                default -> json.skipChildren();
            }
        }
        if (name == null || datatype == null || shape == null) {
            throw invalid("input " + label(index, name) + " lacks " + String.join(" and ", missing(name, datatype, shape)));
        }
        Object binarySize = parameters.get("binary_data_size");
        boolean sharedMemory = SharedMemoryRegistry.refersToRegion(parameters);
        if (data) {
            if (binarySize != null) {
                throw invalid("input '" + name + "' has both 'data' and binary_data_size");
            }
            if (sharedMemory) {
                throw invalid("input '" + name + "' has both 'data' and shared memory parameters (expected: one or the other)");
            }
            return;
        }
        if (sharedMemory) {
            if (binarySize != null) {
                throw invalid("input '" + name + "' has both binary_data_size and shared memory parameters (expected: one "
                        + "or the other)");
            }
            call.declareInput(name, datatype, shape, parameters, DeclaredInput.UNKNOWN_SIZE);   // attached to its region
            return;
        }
        if (binarySize == null) {
            throw invalid("input '" + name + "' has neither 'data' nor a binary_data_size parameter nor a shared_memory_region");
        }
        if (!(binarySize instanceof Long size) || size < 0) {
            throw invalid("input '" + name + "': binary_data_size is " + binarySize + " (expected: a number of bytes, at least 0)");
        }
        binaryInputs.add(call.declareInput(name, datatype, shape, parameters, size));
    }

    private void readData(JsonParser json, DeclaredInput input) throws IOException {
        if (json.currentToken() != JsonToken.START_ARRAY) {
            throw invalid(input.name() + ": 'data' must be an array, but is " + describe(json.currentToken()));
        }
        if (input.type() == Datatype.BYTES) {
            List<byte[]> elements = JsonTensorSource.strings(json, input);
            long bytes = 0;
            for (byte[] element : elements) {
                bytes += Integer.BYTES + element.length;
            }
            call.receive(input, bytes, sink -> {
                for (byte[] element : elements) {
                    sink.appendBytes(element);
                }
            });
        } else {
            call.receive(input, new JsonTensorSource(json, input));
        }
    }

    private void readOutput(JsonParser json) {
        expect(json, JsonToken.START_OBJECT, "each requested output must be a JSON object");
        String name = null;
        Map<String, Object> parameters = Map.of();
        List<String> seen = new ArrayList<>(2);
        while (json.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = json.currentName();
            json.nextToken();
            once("requested output", field, seen);
            switch (field) {
                case "name" -> name = string(json, "a requested output's name");
                case "parameters" -> parameters = parameters(json, "the parameters of a requested output");
                default -> json.skipChildren();
            }
        }
        if (name == null) {
            throw invalid("a requested output lacks its 'name'");
        }
        Object binary = parameters.get("binary_data");
        if (binary != null && !(binary instanceof Boolean)) {
            throw invalid("output '" + name + "': binary_data must be true or false, but is " + binary);
        }
        call.requestOutput(name, parameters);
    }

    private static long[] shape(JsonParser json, String input) {
        expect(json, JsonToken.START_ARRAY, "the shape of input " + input + " must be an array of sizes");
        long[] dimensions = new long[8];
        int rank = 0;
        JsonToken token;
        while ((token = json.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.VALUE_NUMBER_INT || json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw invalid("the shape of input " + input + " holds " + describe(token) + " " + text(json)
                        + " (expected: sizes, integers of at least 0)");
            }
            if (rank == 64) {
                throw invalid("the shape of input " + input + " has more than 64 dimensions");
            }
            if (rank == dimensions.length) {
                dimensions = java.util.Arrays.copyOf(dimensions, rank * 2);
            }
            dimensions[rank++] = json.getLongValue();
        }
        return java.util.Arrays.copyOf(dimensions, rank);
    }

    /** {@return the parameters object at the parser: string, integer, number or boolean values by name} */
    private static Map<String, Object> parameters(JsonParser json, String what) {
        expect(json, JsonToken.START_OBJECT, what + " must be a JSON object");
        Map<String, Object> parameters = new LinkedHashMap<>();
        while (json.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = json.currentName();
            JsonToken token = json.nextToken();
            Object value = switch (token) {
                case VALUE_STRING -> json.getString();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> {
                    if (json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw invalid("parameter '" + name + "' in " + what + ": " + json.getString() + " is larger than an int64");
                    }
                    yield json.getLongValue();
                }
                case VALUE_NUMBER_FLOAT -> json.getDoubleValue();
                default -> throw invalid("parameter '" + name + "' in " + what + " is " + describe(token)
                        + " (expected: a string, a number or a boolean)");
            };
            if (parameters.putIfAbsent(name, value) != null) {
                throw invalid("parameter '" + name + "' appears twice in " + what);
            }
        }
        return parameters;
    }

    private static String string(JsonParser json, String what) {
        if (json.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid(what + " must be a string, but is " + describe(json.currentToken()));
        }
        return json.getString();
    }

    private static void expect(JsonParser json, JsonToken token, String message) {
        if (json.currentToken() != token) {
            throw invalid(message + ", but is " + describe(json.currentToken()));
        }
    }

    private static void once(String where, String field, List<String> seen) {
        if (seen.contains(field)) {
            throw invalid("'" + field + "' appears twice in the " + where);
        }
        seen.add(field);
    }

    private static List<String> missing(@Nullable String name, @Nullable String datatype, long @Nullable [] shape) {
        List<String> missing = new ArrayList<>(3);
        if (name == null) {
            missing.add("'name'");
        }
        if (datatype == null) {
            missing.add("'datatype'");
        }
        if (shape == null) {
            missing.add("'shape'");
        }
        return missing;
    }

    private static String label(int index, @Nullable String name) {
        return name == null ? Integer.toString(index) : "'" + name + "'";
    }

    static String describe(@Nullable JsonToken token) {
        if (token == null) {
            return "the end of the JSON";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> Objects.toString(token);
        };
    }

    private static String text(JsonParser json) {
        try {
            String text = json.getString();
            return text == null ? "" : text.length() > 40 ? text.substring(0, 40) + "..." : text;
        } catch (JacksonException e) {
            return "";
        }
    }

    static InferenceException invalid(String message) {
        return new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, message);
    }
}
