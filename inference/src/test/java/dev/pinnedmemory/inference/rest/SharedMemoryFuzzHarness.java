package dev.pinnedmemory.inference.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.FuzzServer;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.grpc.GrpcFuzzHarness;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.ModelInferRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;

/**
 * The shared memory fuzz target's machinery (issue 32): an input is a script of choices ({@link Choices}) that
 * makes one inference request whose inputs and outputs name shared memory ({@code shared_memory_region},
 * {@code shared_memory_offset}, {@code shared_memory_byte_size}: registered regions, unknown ones, offsets and
 * sizes on and past every edge, values of the wrong JSON or protobuf type), with its datatype and shape, mixed
 * with binary data, sent over REST ({@link RestFuzzHarness}) or gRPC ({@link GrpcFuzzHarness}) to the fuzz
 * server, whose two regions ({@code r0}, {@code r1}) are slices of one /dev/shm object the client also maps.
 *
 * <p>Before each exchange the client's object is filled with a pattern and the script's tensor bytes; after each,
 * besides what the transports' harnesses check (an answer of the protocol, the pool's books, every region held by
 * no request, the budget back to its idle figure), nothing in the object may have changed outside the ranges the
 * request's outputs named: a write outside them is a write the client never asked for.
 *
 * <p>{@link Script} writes the same choices, for the seeds ({@code SharedMemorySeeds}). Not thread-safe: one fuzz
 * target drives it.
 */
final class SharedMemoryFuzzHarness {

    /** Values a number choice picks by one byte: the edges of the regions and of the types. */
    static final long[] NUMBERS = {0, 1, 2, 4, 8, 16, 63, 64, 4092, 4095, 4096, 4097, 8188, 8192, 8193, 12288, 16384, -1, -4096,
        Integer.MAX_VALUE, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 4095};
    /** A number choice's byte that says 8 bytes follow. */
    static final int LONG_FOLLOWS = 0xFF;
    /** The models the script picks from: Triton's {@code simple}, then {@code echo_<datatype>} in {@link Datatype}'s order. */
    static final int MODELS = 1 + Datatype.values().length;

    /** The client's object before each exchange, by the script's fill choice: zeros, 0 and 1 alternating, a pattern. */
    private static final byte[][] FILLS = new byte[3][FuzzServer.OBJECT_BYTES];

    static {
        for (int i = 0; i < FuzzServer.OBJECT_BYTES; i++) {
            FILLS[1][i] = (byte) (i & 1);
            FILLS[2][i] = (byte) (i * 37 + 11);
        }
    }

    private static final String[] SIMPLE_INPUTS = {"INPUT0", "INPUT1"};
    private static final String[] SIMPLE_OUTPUTS = {"OUTPUT0", "OUTPUT1", "CHECKSUM"};
    private static final String[] ECHO_INPUTS = {"INPUT"};
    private static final String[] ECHO_OUTPUTS = {"OUTPUT", "COPY", "CHECKSUM"};
    private static final String[] REGIONS = {FuzzServer.REGION0, FuzzServer.REGION1, "r2"};

    /** One parameter's value as sent: a Long, String, Boolean or Double (JSON number with a fraction), or null: absent. */
    record Value(@Nullable Object value) {
    }

    record Place(String region, Value offset, Value byteSize) {
    }

    record Input(String name, String datatype, long[] shape, @Nullable Place place, byte @Nullable [] clientBytes,
                 byte @Nullable [] data, @Nullable Value binarySize) {
    }

    record Output(String name, @Nullable Place place, @Nullable Boolean binary) {
    }

    record Request(boolean grpc, String model, int fill, List<Input> inputs, List<Output> outputs, boolean binaryOutput) {
    }

    private final FuzzServer server;
    private final RestFuzzHarness rest;
    private final GrpcFuzzHarness grpc;
    private final MemorySegment client;

    SharedMemoryFuzzHarness(FuzzServer server) {
        this.server = server;
        this.rest = new RestFuzzHarness(server);
        this.grpc = new GrpcFuzzHarness(server);
        this.client = server.client();
    }

    /**
     * Runs the request {@code script} makes (twice, as the transport's harness does) and checks it.
     *
     * @return the REST answer or the gRPC outcome, for the named tests
     * @throws AssertionError for every broken promise
     */
    Object runAndCheck(byte[] script) throws IOException {
        Request request = decode(new Choices(script));
        byte[] snapshot = new byte[FuzzServer.OBJECT_BYTES];
        Runnable before = () -> {
            prepare(request);
            MemorySegment.copy(client, ValueLayout.JAVA_BYTE, 0, snapshot, 0, snapshot.length);
        };
        Runnable after = () -> checkUntouched(request, snapshot);
        if (request.grpc()) {
            return grpc.readAndCheck(grpcMessage(request), before, after);
        }
        RestFuzzHarness.Exchange exchange = rest.exchangeAndCheck(httpRequest(request), before, after);
        if (exchange == null) {
            throw new AssertionError("a request of the shared memory target did not reach the controller: " + request);
        }
        return exchange;
    }

    static Request decode(Choices in) {
        boolean grpc = in.pick(2) == 1;
        int model = in.pick(MODELS);
        String modelName = model == 0 ? "simple" : "echo_" + Datatype.values()[model - 1].name().toLowerCase(Locale.ROOT);
        String[] modelInputs = model == 0 ? SIMPLE_INPUTS : ECHO_INPUTS;
        String[] modelOutputs = model == 0 ? SIMPLE_OUTPUTS : ECHO_OUTPUTS;
        String modelType = model == 0 ? "INT32" : Datatype.values()[model - 1].name();
        int fill = in.pick(3);
        List<Input> inputs = new ArrayList<>();
        for (int i = 0, count = in.pick(4); i < count; i++) {
            int name = in.pick(modelInputs.length + 1);
            int type = in.pick(Datatype.values().length + 2);
            String datatype = type == 0 ? modelType : type <= Datatype.values().length ? Datatype.values()[type - 1].name() : in.text();
            long[] shape = new long[in.pick(4)];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.number();
            }
            int where = in.pick(3);   // 0: shared memory, 1: binary data, 2: both
            Place place = where != 1 ? place(in) : null;
            byte[] clientBytes = place != null && in.pick(2) == 1 ? in.bytes() : null;
            byte[] data = where != 0 ? in.bytes() : null;
            Value binarySize = null;
            if (data != null) {
                int size = in.pick(3);
                binarySize = new Value(size == 0 ? (Object) (long) data.length : size == 1 ? in.number() : null);
            }
            inputs.add(new Input(name < modelInputs.length ? modelInputs[name] : in.text(), datatype, shape, place, clientBytes,
                    data, binarySize));
        }
        List<Output> outputs = new ArrayList<>();
        for (int i = 0, count = in.pick(4); i < count; i++) {
            int name = in.pick(modelOutputs.length + 1);
            Place place = in.pick(2) == 1 ? place(in) : null;
            int binary = in.pick(3);
            outputs.add(new Output(name < modelOutputs.length ? modelOutputs[name] : in.text(), place,
                    binary == 0 ? null : binary == 1));
        }
        return new Request(grpc, modelName, fill, inputs, outputs, in.pick(2) == 1);
    }

    private static Place place(Choices in) {
        int region = in.pick(REGIONS.length + 1);
        return new Place(region < REGIONS.length ? REGIONS[region] : in.text(), value(in), value(in));
    }

    private static Value value(Choices in) {
        return new Value(switch (in.pick(5)) {
            case 0 -> null;
            case 1 -> in.number();
            case 2 -> Long.toString(in.number());
            case 3 -> in.pick(2) == 1;
            default -> in.number() + 0.5;
        });
    }

    /** The client's side: the object filled with the request's pattern, then the inputs' bytes where they say. */
    private void prepare(Request request) {
        MemorySegment.copy(FILLS[request.fill()], 0, client, ValueLayout.JAVA_BYTE, 0, FuzzServer.OBJECT_BYTES);
        for (Input input : request.inputs()) {
            long start = input.place() == null ? -1 : start(input.place());
            if (start >= 0 && input.clientBytes() != null) {
                long length = Math.min(input.clientBytes().length, client.byteSize() - start);
                MemorySegment.copy(input.clientBytes(), 0, client, ValueLayout.JAVA_BYTE, start, (int) length);
            }
        }
    }

    /** Checks that the object's bytes are the snapshot's outside the ranges the request's outputs named. */
    private void checkUntouched(Request request, byte[] snapshot) {
        boolean[] writable = new boolean[snapshot.length];
        for (Output output : request.outputs()) {
            Place place = output.place();
            if (place == null) {
                continue;
            }
            long start = start(place);
            long size = number(place.byteSize());
            if (start < 0 || size < 0) {
                continue;
            }
            long end = Math.min(regionEnd(place.region()), start + Math.min(size, snapshot.length));
            for (long i = start; i < end; i++) {
                writable[(int) i] = true;
            }
        }
        byte[] now = client.toArray(ValueLayout.JAVA_BYTE);
        for (int i = Arrays.mismatch(now, snapshot); i >= 0 && i < snapshot.length; i++) {
            if (now[i] != snapshot[i] && !writable[i]) {
                throw new AssertionError("the shared memory object's byte " + i + " changed from " + snapshot[i] + " to " + now[i]
                        + ", outside every output's range: " + describe(request));
            }
        }
    }

    /** {@return where in the object the place starts, or -1 when it names no registered region or no usable offset} */
    private static long start(Place place) {
        long regionStart = switch (place.region()) {
            case FuzzServer.REGION0 -> 0;
            case FuzzServer.REGION1 -> FuzzServer.REGION1_OFFSET;
            default -> -1;
        };
        long offset = place.offset().value() == null ? 0 : number(place.offset());
        if (regionStart < 0 || offset < 0 || offset >= regionEnd(place.region()) - regionStart) {
            return -1;
        }
        return regionStart + offset;
    }

    private static long regionEnd(String region) {
        return region.equals(FuzzServer.REGION0) ? FuzzServer.REGION0_BYTES : FuzzServer.REGION1_OFFSET + FuzzServer.REGION1_BYTES;
    }

    /** {@return the value as a number of bytes, leniently (a decimal string too), or -1} */
    private static long number(Value value) {
        if (value.value() instanceof Long number) {
            return number;
        }
        if (value.value() instanceof String text) {
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    static byte[] httpRequest(Request request) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        try (JsonGenerator json = ProtocolJson.generator(header)) {
            json.writeStartObject();
            json.writeStringProperty("id", "fuzz");
            json.writeName("inputs");
            json.writeStartArray();
            for (Input input : request.inputs()) {
                json.writeStartObject();
                json.writeStringProperty("name", input.name());
                json.writeStringProperty("datatype", input.datatype());
                json.writeName("shape");
                json.writeArray(input.shape(), 0, input.shape().length);
                Map<String, Value> parameters = parameters(input.place());
                if (input.data() != null) {
                    binary.write(input.data());
                    parameters.put("binary_data_size", input.binarySize());
                }
                writeParameters(json, parameters);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeName("outputs");
            json.writeStartArray();
            for (Output output : request.outputs()) {
                json.writeStartObject();
                json.writeStringProperty("name", output.name());
                Map<String, Value> parameters = parameters(output.place());
                if (output.binary() != null) {
                    parameters.put("binary_data", new Value(output.binary()));
                }
                writeParameters(json, parameters);
                json.writeEndObject();
            }
            json.writeEndArray();
            if (request.binaryOutput()) {
                json.writeName("parameters");
                json.writeStartObject();
                json.writeBooleanProperty("binary_data_output", true);
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        boolean anyBinary = request.inputs().stream().anyMatch(input -> input.data() != null);
        String head = "POST /v2/models/" + request.model() + "/infer HTTP/1.1\r\nHost: localhost:8000\r\n"
                + "Content-Type: " + (anyBinary ? "application/octet-stream" : "application/json") + "\r\n"
                + "Content-Length: " + (header.size() + binary.size()) + "\r\n"
                + (anyBinary ? "Inference-Header-Content-Length: " + header.size() + "\r\n" : "") + "\r\n";
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(head.getBytes(StandardCharsets.ISO_8859_1));
        header.writeTo(raw);
        binary.writeTo(raw);
        return raw.toByteArray();
    }

    private static Map<String, Value> parameters(@Nullable Place place) {
        Map<String, Value> parameters = new LinkedHashMap<>();
        if (place != null) {
            parameters.put(SharedMemoryRegistry.REGION, new Value(place.region()));
            parameters.put(SharedMemoryRegistry.OFFSET, place.offset());
            parameters.put(SharedMemoryRegistry.BYTE_SIZE, place.byteSize());
        }
        return parameters;
    }

    private static void writeParameters(JsonGenerator json, Map<String, Value> parameters) {
        if (parameters.isEmpty()) {
            return;
        }
        json.writeName("parameters");
        json.writeStartObject();
        parameters.forEach((name, value) -> {
            switch (value.value()) {
                case null -> { }
                case Long number -> json.writeNumberProperty(name, number);
                case Double number -> json.writeNumberProperty(name, number);
                case Boolean flag -> json.writeBooleanProperty(name, flag);
                default -> json.writeStringProperty(name, value.value().toString());
            }
        });
        json.writeEndObject();
    }

    static byte[] grpcMessage(Request request) {
        ModelInferRequest.Builder message = ModelInferRequest.newBuilder().setModelName(request.model()).setId("fuzz");
        for (Input input : request.inputs()) {
            ModelInferRequest.InferInputTensor.Builder tensor = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(input.name()).setDatatype(input.datatype());
            for (long dimension : input.shape()) {
                tensor.addShape(dimension);
            }
            parameters(input.place()).forEach((name, value) -> put(tensor::putParameters, name, value));
            message.addInputs(tensor);
            if (input.data() != null) {
                message.addRawInputContents(ByteString.copyFrom(input.data()));
            }
        }
        for (Output output : request.outputs()) {
            ModelInferRequest.InferRequestedOutputTensor.Builder tensor = ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                    .setName(output.name());
            parameters(output.place()).forEach((name, value) -> put(tensor::putParameters, name, value));
            message.addOutputs(tensor);
        }
        return message.build().toByteArray();
    }

    private interface Parameters {
        void put(String name, InferParameter value);
    }

    private static void put(Parameters parameters, String name, Value value) {
        switch (value.value()) {
            case null -> { }
            case Long number -> parameters.put(name, InferParameter.newBuilder().setInt64Param(number).build());
            case Boolean flag -> parameters.put(name, InferParameter.newBuilder().setBoolParam(flag).build());
            default -> parameters.put(name, InferParameter.newBuilder().setStringParam(value.value().toString()).build());
        }
    }

    static String describe(Request request) {
        StringBuilder text = new StringBuilder(request.grpc() ? "gRPC " : "REST ").append(request.model()).append(" fill ")
                .append(request.fill());
        for (Input input : request.inputs()) {
            text.append(", input ").append(input.name()).append(' ').append(input.datatype()).append(Arrays.toString(input.shape()))
                    .append(input.place() == null ? "" : " at " + input.place())
                    .append(input.data() == null ? "" : " with " + input.data().length + " bytes, size " + input.binarySize());
        }
        for (Output output : request.outputs()) {
            text.append(", output ").append(output.name()).append(output.place() == null ? "" : " at " + output.place());
        }
        return text.toString();
    }

    /** Reads a script's choices; past its end every choice is 0 (the first option). */
    static final class Choices {
        private final byte[] bytes;
        private int position;

        Choices(byte[] bytes) {
            this.bytes = bytes;
        }

        int pick(int options) {
            return position < bytes.length ? (bytes[position++] & 0xFF) % options : 0;
        }

        /** One byte: below {@code NUMBERS.length} picks one of {@link #NUMBERS}, {@value #LONG_FOLLOWS} reads 8 bytes, else the byte's value. */
        long number() {
            int selector = position < bytes.length ? bytes[position++] & 0xFF : 0;
            if (selector < NUMBERS.length) {
                return NUMBERS[selector];
            }
            if (selector == LONG_FOLLOWS) {
                long value = 0;
                for (int i = 0; i < Long.BYTES; i++) {
                    value = value << 8 | (position < bytes.length ? bytes[position++] & 0xFF : 0);
                }
                return value;
            }
            return selector;
        }

        /** Two bytes of length (big-endian, at most what is left), then the bytes. */
        byte[] bytes() {
            int length = pick(256) << 8 | pick(256);
            length = Math.min(length, bytes.length - position);
            byte[] taken = Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            return taken;
        }

        /** A length byte (up to 32), then that many bytes as UTF-8 (malformed sequences replaced). */
        String text() {
            return new String(bytes(pick(33)), StandardCharsets.UTF_8);
        }

        private byte[] bytes(int length) {
            int taken = Math.min(length, bytes.length - position);
            byte[] text = Arrays.copyOfRange(bytes, position, position + taken);
            position += taken;
            return text;
        }
    }

    /** Writes choices that {@link Choices} reads back: the seeds' way of making a script. */
    static final class Script {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Script pick(int option) {
            out.write(option);
            return this;
        }

        Script number(long value) {
            for (int i = 0; i < NUMBERS.length; i++) {
                if (NUMBERS[i] == value) {
                    out.write(i);
                    return this;
                }
            }
            if (value >= NUMBERS.length && value < LONG_FOLLOWS) {
                out.write((int) value);
                return this;
            }
            out.write(LONG_FOLLOWS);
            for (int i = Long.BYTES - 1; i >= 0; i--) {
                out.write((int) (value >>> (8 * i)));
            }
            return this;
        }

        Script bytes(byte[] bytes) {
            out.write(bytes.length >>> 8);
            out.write(bytes.length & 0xFF);
            out.writeBytes(bytes);
            return this;
        }

        Script text(String text) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out.write(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
