package dev.pinnedmemory.benchmarks.inference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one inference of a {@code tensorBytes} FP32 input (64 MiB) and an output as large, by the model
 * "scale" (every input byte read, every output byte written: the same work in every run), one request at a time
 * over loopback to a server in this JVM ({@link SharedMemoryBenchServer}), by how the tensors travel:
 * <ul>
 * <li>{@code shm-rest}: both in registered system shared memory regions, a JSON request of about 300 bytes over
 *     REST and a JSON answer of about 200 (Triton's extension);</li>
 * <li>{@code shm-grpc}: the same over gRPC ({@code ModelInfer} with the shared memory parameters);</li>
 * <li>{@code binary-rest}: the peer, REST with the binary tensor data extension, the input in the request's body
 *     and the output in the answer's (read from the socket into a lease, written from a lease to the socket);</li>
 * <li>{@code raw-grpc}: the peer, gRPC with {@code raw_input_contents} and {@code raw_output_contents};</li>
 * <li>{@code in-process}: the floor, no transport: an {@code InferenceCall} on the regions in this thread.</li>
 * </ul>
 * At each iteration's end it prints what the server copied per request: bytes copied into regions (an output
 * answered elsewhere), leases rented (each one a tensor copied from or to the socket) and the bytes the client
 * sent and received. Mode: average time per inference.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class SharedMemoryInferBenchmark {

    @Param({"67108864"})
    int tensorBytes;

    @Param({"shm-rest", "shm-grpc", "binary-rest", "raw-grpc", "in-process"})
    String transport;

    private SharedMemoryBenchServer server;
    private InferenceClient http;
    private ManagedChannel channel;
    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private ModelInferRequest grpcRequest;
    private long wireBytes;
    private long calls;
    private long copiedBefore;
    private long rentsBefore;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = new SharedMemoryBenchServer(tensorBytes);
        long elements = tensorBytes / 4;
        switch (transport) {
            case "shm-rest" -> {
                byte[] json = ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[" + elements + "],\"datatype\":\"FP32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"input\",\"shared_memory_byte_size\":" + tensorBytes + "}}],\"outputs\":[{\"name\":"
                        + "\"OUTPUT\",\"parameters\":{\"shared_memory_region\":\"output\",\"shared_memory_byte_size\":" + tensorBytes
                        + "}}]}").getBytes(StandardCharsets.UTF_8);
                http = new InferenceClient(server.restPort(), "/v2/models/scale/infer", json, -1);
                wireBytes = json.length;
            }
            case "binary-rest" -> {
                byte[] header = ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[" + elements + "],\"datatype\":\"FP32\",\"parameters\":"
                        + "{\"binary_data_size\":" + tensorBytes + "}}],\"outputs\":[{\"name\":\"OUTPUT\",\"parameters\":"
                        + "{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
                byte[] body = new byte[header.length + tensorBytes];
                System.arraycopy(header, 0, body, 0, header.length);
                java.lang.foreign.MemorySegment.copy(server.clientInput, 0, java.lang.foreign.MemorySegment.ofArray(body),
                        header.length, tensorBytes);
                http = new InferenceClient(server.restPort(), "/v2/models/scale/infer", body, header.length);
                wireBytes = body.length;
            }
            case "shm-grpc", "raw-grpc" -> {
                channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                        .maxInboundMessageSize(Integer.MAX_VALUE).build();
                stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("INPUT").setDatatype("FP32").addShape(elements);
                ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("scale");
                if (transport.equals("shm-grpc")) {
                    request.addInputs(input.putAllParameters(region("input")))
                            .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT")
                                    .putAllParameters(region("output")));
                } else {
                    ByteBuffer data = ByteBuffer.allocate(tensorBytes);
                    java.lang.foreign.MemorySegment.copy(server.clientInput, 0, java.lang.foreign.MemorySegment.ofBuffer(data),
                            0, tensorBytes);
                    request.addInputs(input).addRawInputContents(ByteString.copyFrom(data));
                }
                grpcRequest = request.build();
                wireBytes = grpcRequest.getSerializedSize();
            }
            case "in-process" -> wireBytes = 0;
            default -> throw new IllegalArgumentException("transport: " + transport
                    + " (expected: shm-rest, shm-grpc, binary-rest, raw-grpc, in-process)");
        }
        check(infer());
    }

    @Setup(Level.Iteration)
    public void count() {
        calls = 0;
        copiedBefore = server.registry.copiedBytes();
        rentsBefore = server.pool.stats().rents();
    }

    @Benchmark
    public long infer() throws IOException {
        calls++;
        return switch (transport) {
            case "shm-rest", "binary-rest" -> http.post();
            case "shm-grpc", "raw-grpc" -> stub.modelInfer(grpcRequest).getSerializedSize();
            default -> inProcess();
        };
    }

    private long inProcess() {
        try (InferenceCall call = server.inference.open("scale", null)) {
            call.declareInput("INPUT", "FP32", new long[] {tensorBytes / 4}, shm("input"), DeclaredInput.UNKNOWN_SIZE);
            call.requestOutput("OUTPUT", shm("output"));
            return call.infer().getFirst().data().byteSize();
        }
    }

    @TearDown(Level.Iteration)
    public void report() {
        if (calls > 0) {
            System.out.printf("%s: per request, %d bytes copied into regions, %.1f leases rented (%d bytes each), "
                    + "about %d bytes on the wire from the client%n", transport,
                    (server.registry.copiedBytes() - copiedBefore) / calls,
                    (double) (server.pool.stats().rents() - rentsBefore) / calls, tensorBytes, wireBytes);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException, InterruptedException {
        if (http != null) {
            http.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        server.close();
    }

    /** Checks the first answer: the output, wherever it went, is the input times 2. */
    private void check(long answered) throws IOException {
        long last = tensorBytes / 4 - 1;
        switch (transport) {
            case "binary-rest" -> {
                if (answered < tensorBytes) {
                    throw new IllegalStateException("binary-rest answered " + answered + " bytes");
                }
            }
            case "raw-grpc" -> {
                ModelInferResponse response = stub.modelInfer(grpcRequest);
                float value = response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                        .getFloat((int) last * 4);
                if (value != server.expected(last)) {
                    throw new IllegalStateException("raw-grpc answered " + value + " for element " + last);
                }
            }
            default -> {
                float value = server.clientOutput.get(SharedMemoryBenchServer.FLOAT, last * 4);
                if (value != server.expected(last)) {
                    throw new IllegalStateException(transport + ": the output region holds " + value + " for element " + last);
                }
            }
        }
    }

    private Map<String, InferParameter> region(String name) {
        return Map.of("shared_memory_region", InferParameter.newBuilder().setStringParam(name).build(),
                "shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(tensorBytes).build());
    }

    private Map<String, Object> shm(String name) {
        return Map.of("shared_memory_region", name, "shared_memory_byte_size", (long) tensorBytes);
    }

    /** The transports, for the smoke test. */
    static List<String> transports() {
        return List.of("shm-rest", "shm-grpc", "binary-rest", "raw-grpc", "in-process");
    }
}
