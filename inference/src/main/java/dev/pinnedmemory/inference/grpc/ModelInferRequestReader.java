package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.google.protobuf.WireFormat;
import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorSink;
import io.grpc.Context;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jspecify.annotations.Nullable;

/**
 * Reads one {@code ModelInferRequest} from its wire format into an {@link InferenceCall} whose inputs are
 * leases: the request marshaller of {@code ModelInfer}, and a unit of its own that any {@link InputStream}
 * drives (a fuzzer, a test), no server needed.
 *
 * <p>How bytes flow. protobuf does not order fields: {@code raw_input_contents} (field 7) may come before
 * the {@code inputs} (field 5) that describe them, and {@code model_name} (field 1) after both. So the
 * message is read twice, in place:
 * <ol>
 * <li>a <em>scan</em> reads the small fields (names, datatypes, shapes, parameters, requested outputs) onto
 *     the heap and only notes where each tensor's bytes lie (offset and length of every
 *     {@code raw_input_contents} and of every typed {@code contents}), skipping them unread;</li>
 * <li>then every rule is checked before anything is rented: the model, the inputs against its metadata,
 *     each tensor's size against its shape and the pool's largest buffer, one raw part per input;</li>
 * <li>a <em>fill</em> returns to the message's start and, for each input in order, skips to its bytes and
 *     copies them into its lease ({@link InferenceCall#receive}), straight from the transport's buffers;
 *     typed contents are decoded element by element into the lease, each value checked against the
 *     datatype.</li>
 * </ol>
 * grpc-java hands the marshaller a message it has already framed in its own (Netty) buffers, as a stream
 * that knows its length, can be reset, and lends those buffers ({@link io.grpc.HasByteBuffer}): both
 * passes read them in place, and no tensor byte is copied onto the heap. A stream that cannot be read
 * twice (a compressed message, the in-process transport) is first staged into leases of the same pool
 * ({@link StagedMessage}), through one chunk of at most 64 KiB.
 *
 * <p>Limits: a message longer than {@link MessageLimit} (by default the pool's largest buffer times
 * {@code max-inputs}, plus {@code max-header-size}) is refused with {@code RESOURCE_EXHAUSTED} before any
 * byte of it is read, and so is a tensor larger than the pool's largest buffer; names and parameters share
 * {@code max-header-size}; at most {@code max-inputs} inputs and raw parts, {@value #MAX_ENTRIES}
 * parameters per map, requested outputs and {@code contents} fields per input, 64 dimensions.
 *
 * <p>Inputs whose parameters name a shared memory region carry no bytes in the message: they are attached to
 * their region when declared, and {@code raw_input_contents} hold the other inputs' bytes, in their order (as
 * Triton reads them).
 *
 * <p>Errors are never thrown: {@link #read} answers a {@link ParsedInferRequest} that is either ready or
 * refused with the status of an {@link InferenceException} (and every lease rented for it already ended).
 *
 * <p>Thread-safe: holds no state between messages.
 */
final class ModelInferRequestReader {

    /** The message's name in error messages. */
    static final String MESSAGE = "ModelInferRequest";
    /** Most parameters per map, requested outputs, and {@code contents} fields of one input. */
    static final int MAX_ENTRIES = 1024;
    /** Most dimensions of a shape, as model metadata allows. */
    static final int MAX_RANK = 64;

    private static final System.Logger LOG = System.getLogger(ModelInferRequestReader.class.getName());
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** {@code InferTensorContents}' fields by number. */
    private static final String[] CONTENTS = {"", "bool_contents", "int_contents", "int64_contents", "uint_contents",
            "uint64_contents", "fp32_contents", "fp64_contents", "bytes_contents"};

    private final InferenceServer server;
    private final MessageLimit limit;

    ModelInferRequestReader(InferenceServer server, MessageLimit limit) {
        this.server = Objects.requireNonNull(server, "server");
        this.limit = Objects.requireNonNull(limit, "limit");
    }

    /**
     * Reads one message from {@code in} (which the caller closes) and {@return the call with every input in
     * its lease, or the refusal}; never throws for anything the bytes say.
     */
    ParsedInferRequest read(InputStream in) {
        StagedMessage staged = null;
        InferenceCall call = null;
        try {
            InputStream source = in;
            long length;
            if (in instanceof KnownLength && in.markSupported()) {
                length = in.available();
                if (length > limit.bytes()) {
                    throw limit.refuse(MESSAGE, length, false);
                }
            } else {
                staged = StagedMessage.stage(in, server.pool(), limit, MESSAGE);
                source = staged;
                length = staged.length();
            }
            source.mark(Integer.MAX_VALUE);
            Header header = scan(new WireReader(source, length, server.limits().maxHeaderBytes(), MESSAGE));
            call = open(header);
            List<DeclaredInput> declared = declare(call, header);
            source.reset();
            fill(new WireReader(source, length, 0, MESSAGE), header, call, declared);
            return ParsedInferRequest.ready(call);
        } catch (InferenceException e) {
            end(call, e);
            return ParsedInferRequest.refused(e);
        } catch (Cancelled e) {
            end(call, new IOException("the call was cancelled"));
            return ParsedInferRequest.refused(Status.CANCELLED.withDescription(
                    "the call was cancelled while its tensors were read"), null);
        } catch (StatusRuntimeException e) {
            // A decompressing stream over grpc-java's limit says so with a status of its own.
            end(call, e);
            return ParsedInferRequest.refused(e.getStatus(), e);
        } catch (IOException e) {
            end(call, e);
            return ParsedInferRequest.refused(Status.INVALID_ARGUMENT.withDescription("the " + MESSAGE
                    + " could not be read: " + e.getMessage()), e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "reading a " + MESSAGE + " failed", e);
            end(call, e);
            return ParsedInferRequest.refused(Status.INTERNAL.withDescription("reading the " + MESSAGE + " failed: " + e),
                    e);
        } finally {
            if (staged != null) {
                staged.close();
            }
        }
    }

    private static void end(@Nullable InferenceCall call, Throwable cause) {
        if (call != null) {
            call.fail(cause);
            call.close();
        }
    }

    // ---- the scan: small fields onto the heap, tensors' places noted --------------------------------------

    private Header scan(WireReader reader) throws IOException {
        Header header = new Header();
        int maxInputs = server.limits().maxInputs();
        int tag;
        while ((tag = reader.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> header.modelName = reader.readString();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> header.modelVersion = reader.readString();
                case 3 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> header.id = reader.readString();
                case 4 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> readParameter(reader, header.parameters, "request");
                case 5 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (header.inputs.size() >= maxInputs) {
                        throw tooMany(maxInputs, "inputs");
                    }
                    header.inputs.add(readInput(reader, header.inputs.size()));
                }
                case 6 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (header.outputs.size() >= MAX_ENTRIES) {
                        throw invalid(MESSAGE + ": more than " + MAX_ENTRIES + " requested outputs");
                    }
                    header.outputs.add(readRequestedOutput(reader));
                }
                case 7 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (header.raw.size() >= maxInputs) {
                        throw tooMany(maxInputs, "raw_input_contents");
                    }
                    long length = reader.readLength();
                    header.raw.add(new Region(reader.position(), length));
                    reader.skip(length);
                }
                default -> skipUnknown(reader, tag, 7, "ModelInferRequest");
            }
        }
        return header;
    }

    private InputHeader readInput(WireReader reader, int index) throws IOException {
        long outer = reader.pushLimit(reader.readLength());
        InputHeader input = new InputHeader(index);
        int tag;
        while ((tag = reader.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> input.name = reader.readString();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> input.datatype = reader.readString();
                case 3 << 3 | WireFormat.WIRETYPE_VARINT -> input.addDimension(reader.readVarint());
                case 3 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    long packed = reader.pushLimit(reader.readLength());
                    while (reader.hasMore()) {
                        input.addDimension(reader.readVarint());
                    }
                    reader.popLimit(packed);
                }
                case 4 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> readParameter(reader, input.parameters, input.describe());
                case 5 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (input.contents.size() >= MAX_ENTRIES) {
                        throw invalid(input.describe() + ": its contents field appears more than " + MAX_ENTRIES + " times");
                    }
                    long length = reader.readLength();
                    input.contents.add(new Region(reader.position(), length));
                    scanContents(reader, length, input);
                }
                default -> skipUnknown(reader, tag, 5, "InferInputTensor");
            }
        }
        reader.popLimit(outer);
        return input;
    }

    /** Notes which of {@code InferTensorContents}' fields are there and counts what sizes tell, skipping the values. */
    private static void scanContents(WireReader reader, long length, InputHeader input) throws IOException {
        long outer = reader.pushLimit(length);
        int tag;
        while ((tag = reader.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wireType = WireFormat.getTagWireType(tag);
            if (field > 8) {
                reader.skipField(tag);
                continue;
            }
            input.contentFields |= 1 << field;
            if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                long size = reader.readLength();
                if (field == 8) {
                    input.bytesData += size;
                    input.fixedElements++;
                } else if (field == 6 || field == 7) {
                    int width = field == 6 ? Float.BYTES : Double.BYTES;
                    if (size % width != 0) {
                        throw reader.malformed(reader.position(), "packed " + CONTENTS[field] + " of " + size
                                + " bytes, not a multiple of " + width);
                    }
                    input.fixedElements += size / width;
                }
                reader.skip(size);
            } else if (wireType == expectedWireType(field)) {
                if (field == 6 || field == 7) {
                    input.fixedElements++;
                }
                reader.skipField(tag);
            } else {
                throw reader.malformed(reader.position(), CONTENTS[field] + " (field " + field + " of InferTensorContents) "
                        + "with wire type " + wireType + " (expected: " + expectedWireType(field) + ", or 2 packed)");
            }
        }
        reader.popLimit(outer);
    }

    private static RequestedOutputHeader readRequestedOutput(WireReader reader) throws IOException {
        long outer = reader.pushLimit(reader.readLength());
        String name = "";
        Map<String, Object> parameters = new LinkedHashMap<>();
        int tag;
        while ((tag = reader.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = reader.readString();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> readParameter(reader, parameters, "requested output");
                default -> skipUnknown(reader, tag, 2, "InferRequestedOutputTensor");
            }
        }
        reader.popLimit(outer);
        return new RequestedOutputHeader(name, parameters);
    }

    /** Reads one entry of a {@code map<string, InferParameter>} into {@code parameters}: a later entry of a key replaces it, as protobuf does. */
    private static void readParameter(WireReader reader, Map<String, Object> parameters, String owner) throws IOException {
        long outer = reader.pushLimit(reader.readLength());
        String key = "";
        Object value = null;
        int tag;
        while ((tag = reader.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = reader.readString();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> value = readParameterValue(reader, value);
                default -> skipUnknown(reader, tag, 2, "parameters entry");
            }
        }
        reader.popLimit(outer);
        if (value == null) {
            throw invalid("parameter '" + key + "' of the " + owner + " has no value (expected: bool_param, int64_param, "
                    + "string_param, double_param or uint64_param)");
        }
        if (!parameters.containsKey(key) && parameters.size() >= MAX_ENTRIES) {
            throw invalid("more than " + MAX_ENTRIES + " parameters of the " + owner);
        }
        parameters.put(key, value);
    }

    /** Reads an {@code InferParameter} (with Triton's {@code double_param} and {@code uint64_param}); the last value set wins, as a oneof's does. */
    private static @Nullable Object readParameterValue(WireReader reader, @Nullable Object merged) throws IOException {
        long outer = reader.pushLimit(reader.readLength());
        Object value = merged;
        int tag;
        while ((tag = reader.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_VARINT -> value = reader.readVarint() != 0;
                case 2 << 3 | WireFormat.WIRETYPE_VARINT -> value = reader.readVarint();
                case 3 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> value = reader.readString();
                case 4 << 3 | WireFormat.WIRETYPE_FIXED64 -> value = Double.longBitsToDouble(reader.readFixed64());
                case 5 << 3 | WireFormat.WIRETYPE_VARINT -> {
                    long bits = reader.readVarint();
                    if (bits < 0) {
                        throw invalid("a uint64_param of " + Long.toUnsignedString(bits) + " is larger than the largest "
                                + "integer parameter, " + Long.MAX_VALUE);
                    }
                    value = bits;
                }
                default -> skipUnknown(reader, tag, 5, "InferParameter");
            }
        }
        reader.popLimit(outer);
        return value;
    }

    /** Skips a field this reader does not know; a known field number with the wrong wire type is malformed. */
    private static void skipUnknown(WireReader reader, int tag, int knownFields, String message) throws IOException {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field <= knownFields) {
            throw reader.malformed(reader.position(), "field " + field + " of " + message + " with wire type "
                    + WireFormat.getTagWireType(tag) + ", which it does not have");
        }
        reader.skipField(tag);
    }

    // ---- the rules, before anything is rented --------------------------------------------------------------

    private InferenceCall open(Header header) {
        if (header.modelName.isEmpty()) {
            throw invalid(MESSAGE + ": model_name is empty (models: " + server.models().stream().map(ModelMetadata::name)
                    .toList() + ")");
        }
        return server.open(header.modelName, header.modelVersion.isEmpty() ? null : header.modelVersion);
    }

    private static List<DeclaredInput> declare(InferenceCall call, Header header) {
        call.id(header.id.isEmpty() ? null : header.id);
        header.parameters.forEach(call::parameter);
        for (RequestedOutputHeader output : header.outputs) {
            call.requestOutput(output.name(), output.parameters());
        }
        boolean raw = !header.raw.isEmpty();
        int carried = 0;
        for (InputHeader input : header.inputs) {
            if (!SharedMemoryRegistry.refersToRegion(input.parameters)) {
                carried++;
            }
        }
        if (raw && header.raw.size() != carried) {
            throw invalid(MESSAGE + ": " + header.raw.size() + " raw_input_contents for " + carried + " inputs"
                    + (carried == header.inputs.size() ? "" : " not in shared memory")
                    + " (expected: one for each input, in the order of the inputs)");
        }
        List<DeclaredInput> declared = new ArrayList<>(header.inputs.size());
        int rawIndex = 0;
        for (InputHeader input : header.inputs) {
            boolean shared = SharedMemoryRegistry.refersToRegion(input.parameters);
            if (shared && !input.contents.isEmpty()) {
                throw invalid(input.describe() + ": has contents and shared memory parameters (expected: one or the other)");
            }
            if (raw && !shared && !input.contents.isEmpty()) {
                throw invalid(input.describe() + ": has contents, but the request has raw_input_contents (expected: "
                        + "one or the other for all inputs)");
            }
            long byteSize = DeclaredInput.UNKNOWN_SIZE;
            if (raw && !shared) {
                input.rawIndex = rawIndex++;
                byteSize = header.raw.get(input.rawIndex).length();
            }
            DeclaredInput checked = call.declareInput(input.name, input.datatype, input.shape(), input.parameters, byteSize);
            if (!raw && !shared) {
                checkContents(checked, input);
            }
            declared.add(checked);
        }
        return declared;
    }

    /** Checks typed contents against the declared input: the datatype's field only, and as many values as the shape has where sizes tell. */
    private static void checkContents(DeclaredInput declared, InputHeader input) {
        Datatype type = declared.type();
        String described = "input '" + declared.name() + "' (" + type + ", shape " + java.util.Arrays.toString(declared.shape())
                + ")";
        if (input.contents.isEmpty()) {
            if (declared.elementCount() > 0) {
                throw invalid(described + ": no data (expected: its contents, or raw_input_contents for every input)");
            }
            return;
        }
        int field = contentsField(type);
        if (field == 0) {
            throw invalid(described + ": " + type + " has no typed contents (expected: raw_input_contents)");
        }
        int others = input.contentFields & ~(1 << field);
        if (others != 0) {
            int other = Integer.numberOfTrailingZeros(others);
            throw invalid(described + ": its contents have " + CONTENTS[other] + ", but " + type + " takes "
                    + CONTENTS[field]);
        }
        boolean counted = field == 6 || field == 7 || field == 8;
        if (counted && input.fixedElements != declared.elementCount()) {
            throw invalid(described + ": " + input.fixedElements + " elements in " + CONTENTS[field] + ", but the shape holds "
                    + declared.elementCount());
        }
    }

    // ---- the fill: each tensor into its lease --------------------------------------------------------------

    private static void fill(WireReader reader, Header header, InferenceCall call, List<DeclaredInput> declared)
            throws IOException {
        boolean raw = !header.raw.isEmpty();
        for (InputHeader input : header.inputs) {
            if (Context.current().isCancelled()) {
                throw new Cancelled();
            }
            DeclaredInput target = declared.get(input.index);
            if (target.inSharedMemory()) {
                continue;   // attached to its region when it was declared
            }
            if (raw) {
                Region region = header.raw.get(input.rawIndex);
                call.receive(target, sink -> {
                    reader.skip(region.offset() - reader.position());
                    reader.copyTo(sink.remaining(), 0, region.length());
                    sink.advance(region.length());
                });
            } else {
                long byteSize = target.type().isVariableSize()
                        ? Math.addExact(Math.multiplyExact(input.fixedElements, (long) Integer.BYTES), input.bytesData)
                        : target.byteSize();
                call.receive(target, byteSize, sink -> {
                    for (Region region : input.contents) {
                        reader.skip(region.offset() - reader.position());
                        fillContents(reader, region.length(), sink);
                    }
                });
            }
        }
    }

    /** Decodes one {@code InferTensorContents} into the lease: each value checked by the sink, fixed-width values copied as they are. */
    private static void fillContents(WireReader reader, long length, TensorSink sink) throws IOException {
        long outer = reader.pushLimit(length);
        int wanted = contentsField(sink.type());
        int tag;
        while ((tag = reader.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field != wanted) {
                reader.skipField(tag);   // an unknown field: the scan refused every other known one
                continue;
            }
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED && field != 8) {
                long packed = reader.pushLimit(reader.readLength());
                if (field == 6 || field == 7) {
                    long bytes = reader.limit() - reader.position();
                    room(sink, bytes);
                    reader.copyTo(sink.remaining(), 0, bytes);
                    sink.advance(bytes);
                } else {
                    while (reader.hasMore()) {
                        appendVarint(reader, field, sink);
                    }
                }
                reader.popLimit(packed);
            } else {
                switch (field) {
                    case 6 -> {
                        room(sink, Float.BYTES);
                        sink.remaining().set(INT, 0, reader.readFixed32());
                        sink.advance(Float.BYTES);
                    }
                    case 7 -> {
                        room(sink, Double.BYTES);
                        sink.remaining().set(LONG, 0, reader.readFixed64());
                        sink.advance(Double.BYTES);
                    }
                    case 8 -> {
                        long size = reader.readLength();
                        room(sink, Integer.BYTES + size);
                        MemorySegment target = sink.remaining();
                        target.set(INT, 0, (int) size);
                        reader.copyTo(target, Integer.BYTES, size);
                        sink.advance(Integer.BYTES + size);
                    }
                    default -> appendVarint(reader, field, sink);
                }
            }
        }
        reader.popLimit(outer);
    }

    private static void appendVarint(WireReader reader, int field, TensorSink sink) throws IOException {
        long value = reader.readVarint();
        switch (field) {
            case 1 -> sink.appendBoolean(value != 0);
            case 2 -> sink.appendLong((int) value);
            case 3 -> sink.appendLong(value);
            case 4 -> sink.appendLong(value & 0xFFFF_FFFFL);
            default -> sink.appendUnsignedLong(value);
        }
    }

    private static void room(TensorSink sink, long bytes) {
        if (bytes > sink.byteSize() - sink.position()) {
            throw invalid("input '" + sink.name() + "' (" + sink.type() + ", shape " + java.util.Arrays.toString(sink.shape())
                    + "): its contents hold more than the " + sink.elementCount() + " elements of its shape");
        }
    }

    /** {@return the {@code InferTensorContents} field of a datatype, or 0 for one that has none (FP16, BF16)} */
    static int contentsField(Datatype type) {
        return switch (type) {
            case BOOL -> 1;
            case INT8, INT16, INT32 -> 2;
            case INT64 -> 3;
            case UINT8, UINT16, UINT32 -> 4;
            case UINT64 -> 5;
            case FP32 -> 6;
            case FP64 -> 7;
            case BYTES -> 8;
            case FP16, BF16 -> 0;
        };
    }

    private static int expectedWireType(int field) {
        return switch (field) {
            case 6 -> WireFormat.WIRETYPE_FIXED32;
            case 7 -> WireFormat.WIRETYPE_FIXED64;
            case 8 -> WireFormat.WIRETYPE_LENGTH_DELIMITED;
            default -> WireFormat.WIRETYPE_VARINT;
        };
    }

    private static InferenceException invalid(String message) {
        return new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, message);
    }

    private static InferenceException tooMany(int maxInputs, String what) {
        return invalid(MESSAGE + ": more than " + maxInputs + " " + what + " (the limit, pinned-memory.inference.max-inputs)");
    }

    /** Where a tensor's bytes lie in the message. */
    private record Region(long offset, long length) {
    }

    /** The small fields of the request. */
    private static final class Header {
        String modelName = "";
        String modelVersion = "";
        String id = "";
        final Map<String, Object> parameters = new LinkedHashMap<>();
        final List<InputHeader> inputs = new ArrayList<>();
        final List<RequestedOutputHeader> outputs = new ArrayList<>();
        final List<Region> raw = new ArrayList<>();
    }

    /** One {@code InferInputTensor}: its small fields, and where its typed contents lie with what their sizes tell. */
    private static final class InputHeader {
        final int index;
        /** Which {@code raw_input_contents} holds its bytes (inputs in shared memory have none), or -1. */
        int rawIndex = -1;
        String name = "";
        String datatype = "";
        private long[] shape = new long[4];
        private int rank;
        final Map<String, Object> parameters = new LinkedHashMap<>();
        final List<Region> contents = new ArrayList<>();
        /** Bit {@code n} set: field {@code n} of {@code InferTensorContents} is there. */
        int contentFields;
        /** Values of {@code fp32_contents}, {@code fp64_contents} or {@code bytes_contents}, counted from their sizes. */
        long fixedElements;
        /** The bytes of all {@code bytes_contents} values. */
        long bytesData;

        InputHeader(int index) {
            this.index = index;
        }

        void addDimension(long dimension) {
            if (rank == MAX_RANK) {
                throw invalid(describe() + ": more than " + MAX_RANK + " dimensions");
            }
            if (rank == shape.length) {
                shape = java.util.Arrays.copyOf(shape, Math.min(MAX_RANK, rank * 2));
            }
            shape[rank++] = dimension;
        }

        long[] shape() {
            return java.util.Arrays.copyOf(shape, rank);
        }

        String describe() {
            return name.isEmpty() ? "input " + index : "input '" + name + "'";
        }
    }

    private record RequestedOutputHeader(String name, Map<String, Object> parameters) {
    }

    /** The gRPC call was cancelled (or its deadline passed) while its tensors were read. */
    private static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super(null, null, false, false);
        }
    }
}
