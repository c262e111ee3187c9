package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.ModelIndexEntry;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.ServerMetadata;
import dev.pinnedmemory.inference.SharedMemoryRegionStatus;
import dev.pinnedmemory.inference.TensorMetadata;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * The protocol's JSON: the one parser factory (token streams, no tree; NaN and Infinity allowed, as
 * Python's {@code json} writes them; nesting bounded), the small documents the REST endpoints answer
 * (server and model metadata, the repository index, the shared memory status, {@code {"error": ...}}) and
 * the one small request they read whole (a shared memory registration). Stateless; thread-safe.
 */
final class ProtocolJson {

    static final String APPLICATION_JSON = "application/json";
    static final String APPLICATION_OCTET_STREAM = "application/octet-stream";
    static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    /** Levels of JSON nesting: a tensor's data of the most dimensions, inside the request's own objects and arrays. */
    static final int MAX_NESTING = 64 + 8;

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            // Closing a generator hands its bytes to the container without a flush: a response that fits the
            // container's buffer then goes out whole, with a Content-Length, instead of chunked.
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();

    private ProtocolJson() {
    }

    static JsonGenerator generator(OutputStream out) {
        return FACTORY.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8);
    }

    static void writeServerMetadata(HttpServletResponse response, ServerMetadata metadata) throws IOException {
        try (JsonGenerator json = start(response, HttpServletResponse.SC_OK)) {
            json.writeStartObject();
            json.writeStringProperty("name", metadata.name());
            json.writeStringProperty("version", metadata.version());
            json.writeName("extensions");
            json.writeStartArray();
            for (String extension : metadata.extensions()) {
                json.writeString(extension);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    static void writeModelMetadata(HttpServletResponse response, ModelMetadata metadata) throws IOException {
        try (JsonGenerator json = start(response, HttpServletResponse.SC_OK)) {
            json.writeStartObject();
            json.writeStringProperty("name", metadata.name());
            if (!metadata.versions().isEmpty()) {
                json.writeName("versions");
                json.writeStartArray();
                for (String version : metadata.versions()) {
                    json.writeString(version);
                }
                json.writeEndArray();
            }
            json.writeStringProperty("platform", metadata.platform());
            writeTensors(json, "inputs", metadata.inputs());
            writeTensors(json, "outputs", metadata.outputs());
            json.writeEndObject();
        }
    }

    static void writeIndex(HttpServletResponse response, List<ModelIndexEntry> index) throws IOException {
        try (JsonGenerator json = start(response, HttpServletResponse.SC_OK)) {
            json.writeStartArray();
            for (ModelIndexEntry entry : index) {
                json.writeStartObject();
                json.writeStringProperty("name", entry.name());
                if (entry.version() != null) {
                    json.writeStringProperty("version", entry.version());
                }
                json.writeStringProperty("state", entry.state());
                json.writeStringProperty("reason", entry.reason());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
    }

    /** Most bytes of a shared memory registration: a key, an offset, a size, and room for clients' extra fields. */
    static final int MAX_REGISTER_REQUEST_BYTES = 4096;

    /** A shared memory registration's body: {@code {"key": "/name", "offset": 0, "byte_size": N}}. */
    record RegisterRequest(String key, long offset, long byteSize) {
    }

    /**
     * {@return the registration of region {@code region} that {@code body} holds: {@code key} and {@code byte_size}
     * required, {@code offset} 0 when left out, other fields ignored}
     *
     * @throws InferenceException {@code INVALID_ARGUMENT} naming the field for malformed JSON, a missing field, or
     *     a value of the wrong type (a negative offset or size is the registry's to refuse)
     */
    static RegisterRequest readRegisterRequest(String region, java.io.InputStream body) {
        String what = "the registration of shared memory region '" + region + "'";
        try (JsonParser json = FACTORY.createParser(ObjectReadContext.empty(),
                new HeaderInputStream(body, MAX_REGISTER_REQUEST_BYTES, true))) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw InferRequestReader.invalid(what + " must be a JSON object {\"key\": \"/name\", \"offset\": 0, "
                        + "\"byte_size\": N}, but starts with " + InferRequestReader.describe(json.currentToken()));
            }
            String key = null;
            long offset = 0;
            Long byteSize = null;
            while (json.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "key" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw InferRequestReader.invalid(what + ": 'key' must be a string, but is " + InferRequestReader.describe(value));
                        }
                        key = json.getString();
                    }
                    case "offset" -> offset = integer(json, value, what, "offset");
                    case "byte_size" -> byteSize = integer(json, value, what, "byte_size");
                    default -> json.skipChildren();
                }
            }
            if (key == null || byteSize == null) {
                throw InferRequestReader.invalid(what + " lacks " + (key == null ? "'key'" : "'byte_size'")
                        + " (expected: {\"key\": \"/name\", \"offset\": 0, \"byte_size\": N})");
            }
            return new RegisterRequest(key, offset, byteSize);
        } catch (JacksonException e) {
            if (e.getCause() instanceof HeaderInputStream.TooLong) {
                throw InferRequestReader.invalid(what + " is longer than " + MAX_REGISTER_REQUEST_BYTES + " bytes");
            }
            throw InferRequestReader.invalid("malformed JSON in " + what + ": " + e.getOriginalMessage());
        }
    }

    private static long integer(JsonParser json, JsonToken value, String what, String field) {
        if (value != JsonToken.VALUE_NUMBER_INT || json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw InferRequestReader.invalid(what + ": '" + field + "' must be a number of bytes (an integer of at most "
                    + Long.MAX_VALUE + "), but is " + InferRequestReader.describe(value)
                    + (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT ? " " + json.getString() : ""));
        }
        return json.getLongValue();
    }

    /** Writes the status of shared memory regions as Triton does: {@code [{"name", "key", "offset", "byte_size"}]}. */
    static void writeRegionStatus(HttpServletResponse response, List<SharedMemoryRegionStatus> regions) throws IOException {
        try (JsonGenerator json = start(response, HttpServletResponse.SC_OK)) {
            json.writeStartArray();
            for (SharedMemoryRegionStatus region : regions) {
                json.writeStartObject();
                json.writeStringProperty("name", region.name());
                json.writeStringProperty("key", region.key());
                json.writeNumberProperty("offset", region.offset());
                json.writeNumberProperty("byte_size", region.byteSize());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
    }

    /** Writes the protocol's error object, {@code {"error": message}}, with {@code status}. */
    static void writeError(HttpServletResponse response, int status, String message) throws IOException {
        try (JsonGenerator json = start(response, status)) {
            json.writeStartObject();
            json.writeStringProperty("error", message);
            json.writeEndObject();
        }
    }

    static void writeParameters(JsonGenerator json, Map<String, Object> parameters) {
        json.writeStartObject();
        for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
            json.writeName(parameter.getKey());
            switch (parameter.getValue()) {
                case String text -> json.writeString(text);
                case Long number -> json.writeNumber(number);
                case Double number -> json.writeNumber(number);
                case Boolean flag -> json.writeBoolean(flag);
                default -> json.writeString(String.valueOf(parameter.getValue()));
            }
        }
        json.writeEndObject();
    }

    private static JsonGenerator start(HttpServletResponse response, int status) throws IOException {
        response.setStatus(status);
        response.setContentType(APPLICATION_JSON);
        return generator(response.getOutputStream());
    }

    private static void writeTensors(JsonGenerator json, String field, List<TensorMetadata> tensors) {
        json.writeName(field);
        json.writeStartArray();
        for (TensorMetadata tensor : tensors) {
            json.writeStartObject();
            json.writeStringProperty("name", tensor.name());
            json.writeStringProperty("datatype", tensor.datatype());
            json.writeName("shape");
            json.writeStartArray();
            for (long dimension : tensor.shape()) {
                json.writeNumber(dimension);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
    }
}
