package dev.pinnedmemory.inference.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.ResponseOutput;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;

/**
 * Writes an inference response: the protocol's JSON object, with each output's data as a JSON array, or,
 * for the outputs asked for as binary ({@code binary_data} on the output, else {@code binary_data_output}
 * on the request), a {@code binary_data_size} parameter and its bytes after the JSON, written from the
 * output's segment or lease straight to the socket ({@code ServletOutputStream.write(ByteBuffer)}), with
 * {@code Inference-Header-Content-Length} giving the JSON's length. Spring MVC hands a controller its response
 * wrapped for the async request lifecycle, and that wrapper's stream inherits the Servlet API's default
 * {@code write(ByteBuffer)}, which copies each buffer into a new {@code byte[]}: for a synchronous request the
 * wrapper only guards state, so binary outputs go to the container's stream beneath it. Behind a wrapper this
 * class does not know (a filter's caching or compressing stream), outputs go through that wrapper, copied
 * through one reused heap chunk. An output written into a client's shared
 * memory region has no data here: its parameters name the region, the offset and the bytes written there.
 * Stateless; thread-safe.
 */
final class InferResponseWriter {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes handed to one {@code write(ByteBuffer)}. */
    private static final long WRITE_BYTES = 1 << 20;

    /** Bytes of the heap chunk outputs are copied through for a stream that cannot write buffers itself. */
    private static final int CHUNK_BYTES = 64 * 1024;

    /** Spring MVC's stream for the async request lifecycle: a state check around the container's stream, no more. */
    private static final String SPRING_LIFECYCLE_STREAM =
            "org.springframework.web.context.request.async.StandardServletAsyncWebRequest$LifecycleServletOutputStream";

    /** Whether a stream class writes a {@code ByteBuffer} itself (not through the Servlet API's copying default). */
    private static final ClassValue<Boolean> WRITES_BUFFERS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("write", ByteBuffer.class).getDeclaringClass() != ServletOutputStream.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    };

    private InferResponseWriter() {
    }

    static void write(HttpServletRequest request, HttpServletResponse response, InferenceCall call, List<ResponseOutput> outputs)
            throws IOException {
        boolean allBinary = Boolean.TRUE.equals(call.parameters().get("binary_data_output"));
        boolean[] binary = new boolean[outputs.size()];
        long binaryBytes = 0;
        for (int i = 0; i < outputs.size(); i++) {
            Object asked = outputs.get(i).parameters().get("binary_data");
            binary[i] = !outputs.get(i).inSharedMemory() && (asked instanceof Boolean flag ? flag : allBinary);
            if (binary[i]) {
                binaryBytes += outputs.get(i).data().byteSize();
            }
        }
        response.setStatus(HttpServletResponse.SC_OK);
        if (!anyBinary(binary)) {
            response.setContentType(ProtocolJson.APPLICATION_JSON);
            try (JsonGenerator json = ProtocolJson.generator(response.getOutputStream())) {
                writeHeader(json, call, outputs, binary);
            }
            return;
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream(512);
        try (JsonGenerator json = ProtocolJson.generator(header)) {
            writeHeader(json, call, outputs, binary);
        }
        response.setContentType(ProtocolJson.APPLICATION_OCTET_STREAM);
        response.setHeader(ProtocolJson.INFERENCE_HEADER_CONTENT_LENGTH, Integer.toString(header.size()));
        response.setContentLengthLong(header.size() + binaryBytes);
        ServletOutputStream direct = bufferWriting(request, response);
        ServletOutputStream out = direct != null ? direct : response.getOutputStream();
        header.writeTo(out);
        byte[] chunk = null;
        for (int i = 0; i < outputs.size(); i++) {
            if (binary[i]) {
                MemorySegment data = outputs.get(i).data();
                if (direct != null) {
                    for (long offset = 0; offset < data.byteSize(); offset += WRITE_BYTES) {
                        direct.write(data.asSlice(offset, Math.min(WRITE_BYTES, data.byteSize() - offset)).asByteBuffer());
                    }
                } else {
                    if (chunk == null) {
                        chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(1, binaryBytes))];
                    }
                    for (long offset = 0; offset < data.byteSize(); offset += chunk.length) {
                        int step = (int) Math.min(chunk.length, data.byteSize() - offset);
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, chunk, 0, step);
                        out.write(chunk, 0, step);
                    }
                }
            }
        }
        out.flush();
    }

    /**
     * {@return the stream binary outputs are written to as buffers}: the response's own where it writes buffers
     * itself, else, beneath Spring MVC's async lifecycle wrapper, the container's, for a request that is not
     * async (where the wrapper's lock keeps a write from racing the container's error and completion callbacks,
     * it is kept); null when neither (the caller copies through a heap chunk)
     */
    static @Nullable ServletOutputStream bufferWriting(ServletRequest request, ServletResponse response) throws IOException {
        ServletOutputStream out = response.getOutputStream();
        if (WRITES_BUFFERS.get(out.getClass())) {
            return out;
        }
        if (out.getClass().getName().equals(SPRING_LIFECYCLE_STREAM) && !request.isAsyncStarted()
                && response instanceof ServletResponseWrapper wrapper) {
            ServletOutputStream beneath = wrapper.getResponse().getOutputStream();
            if (WRITES_BUFFERS.get(beneath.getClass())) {
                return beneath;
            }
        }
        return null;
    }

    private static boolean anyBinary(boolean[] binary) {
        for (boolean flag : binary) {
            if (flag) {
                return true;
            }
        }
        return false;
    }

    private static void writeHeader(JsonGenerator json, InferenceCall call, List<ResponseOutput> outputs, boolean[] binary) {
        json.writeStartObject();
        json.writeStringProperty("model_name", call.modelName());
        if (call.modelVersion() != null) {
            json.writeStringProperty("model_version", call.modelVersion());
        }
        if (call.id() != null) {
            json.writeStringProperty("id", call.id());
        }
        Map<String, Object> parameters = call.responseParameters();
        if (!parameters.isEmpty()) {
            json.writeName("parameters");
            ProtocolJson.writeParameters(json, parameters);
        }
        json.writeName("outputs");
        json.writeStartArray();
        for (int i = 0; i < outputs.size(); i++) {
            ResponseOutput output = outputs.get(i);
            json.writeStartObject();
            json.writeStringProperty("name", output.name());
            json.writeStringProperty("datatype", output.type().name());
            json.writeName("shape");
            json.writeStartArray();
            for (long dimension : output.shape()) {
                json.writeNumber(dimension);
            }
            json.writeEndArray();
            if (output.inSharedMemory()) {
                // Written into the client's region already: its region, offset and the bytes written, no data.
                json.writeName("parameters");
                ProtocolJson.writeParameters(json, output.parameters());
            } else if (binary[i]) {
                json.writeName("parameters");
                json.writeStartObject();
                json.writeNumberProperty("binary_data_size", output.data().byteSize());
                json.writeEndObject();
            } else {
                json.writeName("data");
                writeData(json, output);
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /** Writes the output's elements as a flat JSON array, in row-major order. */
    private static void writeData(JsonGenerator json, ResponseOutput output) {
        MemorySegment data = output.data();
        long count = output.elementCount();
        json.writeStartArray();
        switch (output.type()) {
            case BOOL -> {
                for (long i = 0; i < count; i++) {
                    json.writeBoolean(data.get(ValueLayout.JAVA_BYTE, i) != 0);
                }
            }
            case UINT8 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i)));
                }
            }
            case INT8 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            case UINT16 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(Short.toUnsignedInt(data.get(SHORT, i * 2)));
                }
            }
            case INT16 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(SHORT, i * 2));
                }
            }
            case UINT32 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(Integer.toUnsignedLong(data.get(INT, i * 4)));
                }
            }
            case INT32 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(INT, i * 4));
                }
            }
            case UINT64 -> {
                for (long i = 0; i < count; i++) {
                    long value = data.get(LONG, i * 8);
                    if (value >= 0) {
                        json.writeNumber(value);
                    } else {
                        json.writeNumber(Long.toUnsignedString(value));
                    }
                }
            }
            case INT64 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(LONG, i * 8));
                }
            }
            case FP16 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(Float.float16ToFloat(data.get(SHORT, i * 2)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(Float.intBitsToFloat(data.get(SHORT, i * 2) << 16));
                }
            }
            case FP32 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(FLOAT, i * 4));
                }
            }
            case FP64 -> {
                for (long i = 0; i < count; i++) {
                    json.writeNumber(data.get(DOUBLE, i * 8));
                }
            }
            case BYTES -> {
                long offset = 0;
                for (long i = 0; i < count; i++) {
                    int length = data.get(INT, offset);
                    byte[] element = data.asSlice(offset + 4, Integer.toUnsignedLong(length)).toArray(ValueLayout.JAVA_BYTE);
                    json.writeString(new String(element, StandardCharsets.UTF_8));
                    offset += 4 + Integer.toUnsignedLong(length);
                }
            }
        }
        json.writeEndArray();
    }
}
