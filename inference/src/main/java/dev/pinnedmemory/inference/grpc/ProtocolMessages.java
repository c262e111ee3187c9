package dev.pinnedmemory.inference.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.ServerMetadata;
import dev.pinnedmemory.inference.SharedMemoryRegionStatus;
import dev.pinnedmemory.inference.TensorMetadata;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import org.jspecify.annotations.Nullable;

/**
 * The protocol's small messages, read and written field by field: the requests of {@code ServerLive},
 * {@code ServerReady}, {@code ServerMetadata} (empty), {@code ModelReady} and {@code ModelMetadata} (a
 * model's name and version), and their responses; and Triton's system shared memory messages
 * ({@code SystemSharedMemoryRegisterRequest}, {@code ...StatusRequest}, {@code ...UnregisterRequest}, their
 * responses), with Triton's field numbers (its {@code grpc_service.proto}). Unknown fields are skipped, as
 * protobuf does. Stateless; thread-safe.
 */
final class ProtocolMessages {

    /** Most bytes a small request may have: a model's name and version. */
    static final int MAX_SMALL_REQUEST = 64 * 1024;

    /** A request without fields. */
    enum Empty {
        INSTANCE
    }

    /**
     * The request naming a model ({@code ModelReadyRequest}, {@code ModelMetadataRequest}), or why it could
     * not be read (a marshaller that throws makes grpc-java answer {@code UNKNOWN}).
     *
     * @param name the model's name
     * @param version the version, or null for the latest
     * @param problem what is wrong with the request's bytes, or null
     */
    record ModelRef(String name, @Nullable String version, @Nullable InferenceException problem) {
    }

    /**
     * A shared memory request: {@code SystemSharedMemoryRegisterRequest} ({@code name = 1}, {@code key = 2},
     * {@code uint64 offset = 3}, {@code uint64 byte_size = 4}), or {@code SystemSharedMemoryStatusRequest} and
     * {@code ...UnregisterRequest} ({@code name = 1} only; empty: every region); or why it could not be read.
     *
     * @param name the region's name, or empty
     * @param key the object's key, or empty
     * @param offset the offset in the object
     * @param byteSize the region's size
     * @param problem what is wrong with the request's bytes, or null
     */
    record RegionRequest(String name, String key, long offset, long byteSize, @Nullable InferenceException problem) {
    }

    /** Reads the three shared memory requests (the status and unregister requests have only the name). */
    static final MethodDescriptor.Marshaller<RegionRequest> REGION_REQUEST = new ServerOnly<>() {
        @Override
        public RegionRequest parse(InputStream stream) {
            return readRegionRequest(stream);
        }
    };

    /** Reads any message as {@link Empty}: its fields, if any, are ignored. */
    static final MethodDescriptor.Marshaller<Empty> EMPTY = new ServerOnly<>() {
        @Override
        public Empty parse(InputStream stream) {
            return Empty.INSTANCE;
        }
    };

    /** Reads {@code ModelReadyRequest} and {@code ModelMetadataRequest}: {@code name = 1}, {@code version = 2}. */
    static final MethodDescriptor.Marshaller<ModelRef> MODEL_REF = new ServerOnly<>() {
        @Override
        public ModelRef parse(InputStream stream) {
            return readModelRef(stream);
        }
    };

    /** Writes the responses the server builds as streams (and hands a client the bytes it got). */
    static final MethodDescriptor.Marshaller<InputStream> RESPONSE = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    };

    private ProtocolMessages() {
    }

    /** {@return a {@code ServerLiveResponse}, {@code ServerReadyResponse} or {@code ModelReadyResponse}: {@code bool = 1}} */
    static InputStream flag(boolean value) {
        return encode(CodedOutputStream.computeBoolSize(1, value), out -> out.writeBool(1, value));
    }

    /** {@return a {@code ServerMetadataResponse}} */
    static InputStream serverMetadata(ServerMetadata metadata) {
        int size = CodedOutputStream.computeStringSize(1, metadata.name())
                + CodedOutputStream.computeStringSize(2, metadata.version());
        for (String extension : metadata.extensions()) {
            size += CodedOutputStream.computeStringSize(3, extension);
        }
        return encode(size, out -> {
            out.writeString(1, metadata.name());
            out.writeString(2, metadata.version());
            for (String extension : metadata.extensions()) {
                out.writeString(3, extension);
            }
        });
    }

    /** {@return a {@code ModelMetadataResponse}} */
    static InputStream modelMetadata(ModelMetadata metadata) {
        int size = CodedOutputStream.computeStringSize(1, metadata.name())
                + CodedOutputStream.computeStringSize(3, metadata.platform());
        for (String version : metadata.versions()) {
            size += CodedOutputStream.computeStringSize(2, version);
        }
        for (TensorMetadata tensor : metadata.inputs()) {
            size += (int) ModelInferResponseWriter.delimited(4, tensorSize(tensor));
        }
        for (TensorMetadata tensor : metadata.outputs()) {
            size += (int) ModelInferResponseWriter.delimited(5, tensorSize(tensor));
        }
        return encode(size, out -> {
            out.writeString(1, metadata.name());
            for (String version : metadata.versions()) {
                out.writeString(2, version);
            }
            out.writeString(3, metadata.platform());
            writeTensors(out, 4, metadata.inputs());
            writeTensors(out, 5, metadata.outputs());
        });
    }

    /** {@return an empty message: {@code SystemSharedMemoryRegisterResponse}, {@code ...UnregisterResponse}} */
    static InputStream empty() {
        return encode(0, out -> { });
    }

    /** {@return a {@code SystemSharedMemoryStatusResponse}: {@code map<string, RegionStatus> regions = 1}, by name} */
    static InputStream regionStatus(List<SharedMemoryRegionStatus> regions) {
        int size = 0;
        for (SharedMemoryRegionStatus region : regions) {
            size += (int) ModelInferResponseWriter.delimited(1, regionEntrySize(region));
        }
        return encode(size, out -> {
            for (SharedMemoryRegionStatus region : regions) {
                out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(regionEntrySize(region));
                out.writeString(1, region.name());
                out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(regionSize(region));
                out.writeString(1, region.name());
                out.writeString(2, region.key());
                out.writeUInt64(3, region.offset());
                out.writeUInt64(4, region.byteSize());
            }
        });
    }

    private static int regionEntrySize(SharedMemoryRegionStatus region) {
        return CodedOutputStream.computeStringSize(1, region.name())
                + (int) ModelInferResponseWriter.delimited(2, regionSize(region));
    }

    /** {@code RegionStatus}: {@code name = 1}, {@code key = 2}, {@code uint64 offset = 3}, {@code uint64 byte_size = 4}. */
    private static int regionSize(SharedMemoryRegionStatus region) {
        return CodedOutputStream.computeStringSize(1, region.name()) + CodedOutputStream.computeStringSize(2, region.key())
                + CodedOutputStream.computeUInt64Size(3, region.offset())
                + CodedOutputStream.computeUInt64Size(4, region.byteSize());
    }

    private static RegionRequest readRegionRequest(InputStream stream) {
        try {
            byte[] bytes = stream.readNBytes(MAX_SMALL_REQUEST + 1);
            if (bytes.length > MAX_SMALL_REQUEST) {
                return new RegionRequest("", "", 0, 0, new InferenceException(InferenceException.Reason.INVALID_ARGUMENT,
                        "a shared memory request of more than " + MAX_SMALL_REQUEST + " bytes (expected: a region's name, "
                        + "key, offset and byte_size)"));
            }
            WireReader reader = new WireReader(new ByteArrayInputStream(bytes), bytes.length, bytes.length,
                    "the shared memory request");
            String name = "";
            String key = "";
            long offset = 0;
            long byteSize = 0;
            int tag;
            while ((tag = reader.readTag()) != 0) {
                switch (tag) {
                    case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = reader.readString();
                    case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = reader.readString();
                    case 3 << 3 | WireFormat.WIRETYPE_VARINT -> offset = reader.readVarint();
                    case 4 << 3 | WireFormat.WIRETYPE_VARINT -> byteSize = reader.readVarint();
                    default -> reader.skipField(tag);
                }
            }
            String tooLarge = offset < 0 ? "offset " + Long.toUnsignedString(offset)
                    : byteSize < 0 ? "byte_size " + Long.toUnsignedString(byteSize) : null;
            if (tooLarge != null) {
                return new RegionRequest(name, key, 0, 0, new InferenceException(InferenceException.Reason.INVALID_ARGUMENT,
                        "shared memory region '" + name + "': " + tooLarge + " is larger than the largest offset or size, "
                        + Long.MAX_VALUE));
            }
            return new RegionRequest(name, key, offset, byteSize, null);
        } catch (InferenceException e) {
            return new RegionRequest("", "", 0, 0, e);
        } catch (IOException e) {
            return new RegionRequest("", "", 0, 0, new InferenceException(InferenceException.Reason.INVALID_ARGUMENT,
                    "the shared memory request could not be read: " + e.getMessage(), e));
        }
    }

    private static void writeTensors(CodedOutputStream out, int field, List<TensorMetadata> tensors) throws IOException {
        for (TensorMetadata tensor : tensors) {
            out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(tensorSize(tensor));
            out.writeString(1, tensor.name());
            out.writeString(2, tensor.datatype());
            if (!tensor.shape().isEmpty()) {
                out.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(shapeSize(tensor.shape()));
                for (long dimension : tensor.shape()) {
                    out.writeInt64NoTag(dimension);
                }
            }
        }
    }

    private static int tensorSize(TensorMetadata tensor) {
        int size = CodedOutputStream.computeStringSize(1, tensor.name())
                + CodedOutputStream.computeStringSize(2, tensor.datatype());
        if (!tensor.shape().isEmpty()) {
            size += (int) ModelInferResponseWriter.delimited(3, shapeSize(tensor.shape()));
        }
        return size;
    }

    private static int shapeSize(List<Long> shape) {
        int size = 0;
        for (long dimension : shape) {
            size += CodedOutputStream.computeInt64SizeNoTag(dimension);
        }
        return size;
    }

    private static ModelRef readModelRef(InputStream stream) {
        try {
            byte[] bytes = stream.readNBytes(MAX_SMALL_REQUEST + 1);
            if (bytes.length > MAX_SMALL_REQUEST) {
                return new ModelRef("", null, new InferenceException(InferenceException.Reason.INVALID_ARGUMENT,
                        "a request naming a model of more than " + MAX_SMALL_REQUEST + " bytes (expected: a model's name and "
                        + "version)"));
            }
            WireReader reader = new WireReader(new ByteArrayInputStream(bytes), bytes.length, bytes.length, "the request");
            String name = "";
            String version = "";
            int tag;
            while ((tag = reader.readTag()) != 0) {
                switch (tag) {
                    case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = reader.readString();
                    case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> version = reader.readString();
                    default -> reader.skipField(tag);
                }
            }
            return new ModelRef(name, version.isEmpty() ? null : version, null);
        } catch (InferenceException e) {
            return new ModelRef("", null, e);
        } catch (IOException e) {
            return new ModelRef("", null, new InferenceException(InferenceException.Reason.INVALID_ARGUMENT,
                    "the request could not be read: " + e.getMessage(), e));
        }
    }

    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static InputStream encode(int size, Writer writer) {
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.checkNoSpaceLeft();
        return new Encoded(bytes);
    }

    /** An encoded message: its length known, drained into the transport in one write. */
    private static final class Encoded extends ByteArrayInputStream implements KnownLength, Drainable {

        Encoded(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int length = count - pos;
            target.write(buf, pos, length);
            pos = count;
            return length;
        }
    }

    /** A marshaller for requests, which a server only reads. */
    private abstract static class ServerOnly<T> implements MethodDescriptor.Marshaller<T> {
        @Override
        public InputStream stream(T value) {
            throw new UnsupportedOperationException("the server reads requests; it never writes them");
        }
    }
}
