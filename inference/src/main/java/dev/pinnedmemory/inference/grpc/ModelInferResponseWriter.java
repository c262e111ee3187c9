package dev.pinnedmemory.inference.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.ResponseOutput;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@code ModelInferResponse}: the model's name and version, the request's id, the response's
 * parameters, one {@code InferOutputTensor} (name, datatype, shape) per output, and each output's bytes as
 * a {@code raw_output_contents} field written straight from its segment or lease. The response's stream
 * knows its length and drains itself into the transport ({@link Drainable}), so grpc-java frames it
 * without building a message: tensor bytes pass only through one chunk of at most 16 KiB on their way to
 * the transport's buffers. An output written into a client's shared memory region has empty contents (its place
 * kept, as Triton answers) and its region, offset and bytes written as the output tensor's parameters.
 *
 * <p>Ownership: the call owns the outputs' memory; the stream must be drained before the call is closed
 * (the ModelInfer handler closes it after {@code sendMessage} returned, when the transport has copied
 * every byte). Not thread-safe: one response, drained once.
 */
final class ModelInferResponseWriter {

    /** The chunk every byte of a response passes through on its way to the transport. */
    static final int CHUNK_BYTES = 16 * 1024;

    private ModelInferResponseWriter() {
    }

    /** {@return a stream of the response to {@code call} with {@code outputs}, to hand to the transport} */
    static ResponseStream stream(InferenceCall call, List<ResponseOutput> outputs) {
        return new ResponseStream(call.modelName(), call.modelVersion(), call.id(), call.responseParameters(), outputs);
    }

    /** The response, written on demand: its size is computed up front, its bytes when the transport drains it. */
    static final class ResponseStream extends InputStream implements KnownLength, Drainable {

        private final String modelName;
        private final @Nullable String modelVersion;
        private final @Nullable String id;
        private final Map<String, Object> parameters;
        private final List<ResponseOutput> outputs;
        private final long size;
        private boolean drained;
        private @Nullable ByteArrayInputStream copy;

        ResponseStream(String modelName, @Nullable String modelVersion, @Nullable String id, Map<String, Object> parameters,
                       List<ResponseOutput> outputs) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
            this.modelVersion = modelVersion;
            this.id = id;
            this.parameters = parameters;
            this.outputs = outputs;
            this.size = size();
        }

        /** {@return the serialised size in bytes} */
        long serializedSize() {
            return size;
        }

        @Override
        public int available() {
            if (copy != null) {
                return copy.available();
            }
            return drained ? 0 : (int) Math.min(Integer.MAX_VALUE, size);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (drained || copy != null) {
                throw new IllegalStateException("the response was written already");
            }
            drained = true;
            CodedOutputStream out = CodedOutputStream.newInstance(target, (int) Math.max(16, Math.min(CHUNK_BYTES, size)));
            write(out);
            out.flush();
            return (int) size;
        }

        /** For a consumer that reads instead of draining (the in-process transport): the response is built once on the heap. */
        @Override
        public int read() throws IOException {
            return heapCopy().read();
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            return heapCopy().read(target, offset, length);
        }

        private ByteArrayInputStream heapCopy() throws IOException {
            if (copy == null) {
                if (drained) {
                    throw new IllegalStateException("the response was drained already");
                }
                if (size > Integer.MAX_VALUE - 8) {
                    throw new IOException("a ModelInferResponse of " + size + " bytes cannot be read into one array");
                }
                byte[] bytes = new byte[(int) size];
                CodedOutputStream out = CodedOutputStream.newInstance(bytes);
                write(out);
                out.checkNoSpaceLeft();
                drained = true;
                copy = new ByteArrayInputStream(bytes);
            }
            return copy;
        }

        private long size() {
            long total = CodedOutputStream.computeStringSize(1, modelName);
            if (modelVersion != null && !modelVersion.isEmpty()) {
                total += CodedOutputStream.computeStringSize(2, modelVersion);
            }
            if (id != null && !id.isEmpty()) {
                total += CodedOutputStream.computeStringSize(3, id);
            }
            for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
                total += delimited(4, parameterEntrySize(parameter.getKey(), parameter.getValue()));
            }
            for (ResponseOutput output : outputs) {
                total += delimited(5, outputTensorSize(output));
            }
            for (ResponseOutput output : outputs) {
                total += delimited(6, output.inSharedMemory() ? 0 : output.data().byteSize());
            }
            return total;
        }

        private void write(CodedOutputStream out) throws IOException {
            out.writeString(1, modelName);
            if (modelVersion != null && !modelVersion.isEmpty()) {
                out.writeString(2, modelVersion);
            }
            if (id != null && !id.isEmpty()) {
                out.writeString(3, id);
            }
            for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
                writeParameterEntry(out, 4, parameter.getKey(), parameter.getValue());
            }
            for (ResponseOutput output : outputs) {
                out.writeTag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag((int) outputTensorSize(output));
                out.writeString(1, output.name());
                out.writeString(2, output.type().name());
                long[] shape = output.shape();
                if (shape.length > 0) {
                    out.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag(packedSize(shape));
                    for (long dimension : shape) {
                        out.writeInt64NoTag(dimension);
                    }
                }
                if (output.inSharedMemory()) {
                    for (Map.Entry<String, Object> parameter : output.parameters().entrySet()) {
                        writeParameterEntry(out, 4, parameter.getKey(), parameter.getValue());
                    }
                }
            }
            for (ResponseOutput output : outputs) {
                // An output in shared memory keeps its place with empty contents, as Triton answers it.
                MemorySegment data = output.inSharedMemory() ? MemorySegment.NULL : output.data();
                out.writeTag(6, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag((int) data.byteSize());
                if (data.byteSize() > 0) {
                    out.writeRawBytes(data.asByteBuffer());
                }
            }
        }
    }

    /** Writes one {@code map<string, InferParameter>} entry as field {@code field}. */
    static void writeParameterEntry(CodedOutputStream out, int field, String name, Object value) throws IOException {
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag((int) parameterEntrySize(name, value));
        out.writeString(1, name);
        out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(parameterValueSize(value));
        switch (value) {
            case Boolean flag -> out.writeBool(1, flag);
            case Long number -> out.writeInt64(2, number);
            case String text -> out.writeString(3, text);
            case Double number -> out.writeDouble(4, number);
            default -> throw new IllegalArgumentException("parameter '" + name + "': " + value.getClass().getName());
        }
    }

    static long parameterEntrySize(String name, Object value) {
        return CodedOutputStream.computeStringSize(1, name) + delimited(2, parameterValueSize(value));
    }

    private static int parameterValueSize(Object value) {
        return switch (value) {
            case Boolean flag -> CodedOutputStream.computeBoolSize(1, flag);
            case Long number -> CodedOutputStream.computeInt64Size(2, number);
            case String text -> CodedOutputStream.computeStringSize(3, text);
            case Double number -> CodedOutputStream.computeDoubleSize(4, number);
            default -> throw new IllegalArgumentException("a parameter value of " + value.getClass().getName()
                    + " (expected: Boolean, Long, String or Double)");
        };
    }

    private static long outputTensorSize(ResponseOutput output) {
        long size = CodedOutputStream.computeStringSize(1, output.name())
                + CodedOutputStream.computeStringSize(2, output.type().name());
        long[] shape = output.shape();
        if (shape.length > 0) {
            size += delimited(3, packedSize(shape));
        }
        if (output.inSharedMemory()) {
            for (Map.Entry<String, Object> parameter : output.parameters().entrySet()) {
                size += delimited(4, parameterEntrySize(parameter.getKey(), parameter.getValue()));
            }
        }
        return size;
    }

    private static int packedSize(long[] shape) {
        int size = 0;
        for (long dimension : shape) {
            size += CodedOutputStream.computeInt64SizeNoTag(dimension);
        }
        return size;
    }

    /** {@return the size of a length-delimited field of {@code length} bytes, tag and length included} */
    static long delimited(int field, long length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt64SizeNoTag(length) + length;
    }
}
