package dev.pinnedmemory.benchmarks.inference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A load generator against a running Open Inference Protocol server (Tomcat in this JVM,
 * {@link InferenceBenchServer}): each operation is one {@code infer} request over a kept-alive connection,
 * answered with the sum of the input. {@code server=oip} is this project's REST transport; {@code server=peer}
 * is, for the same request, the code a user writes today:
 * <ul>
 * <li>{@link #binary16MiB}: a 16 MiB FP32 input as binary data ({@code Inference-Header-Content-Length},
 *     {@code binary_data_size}), one client; peer: {@code @RequestBody byte[]} parsed into a {@code float[]};</li>
 * <li>{@link #json1MiB}: a 1 MiB FP32 input (262,144 numbers) as JSON, one client; peer: Jackson databind of
 *     the request into a record with a {@code float[]};</li>
 * <li>{@link #small4KiB}: a 4 KiB FP32 input as binary data from 16 concurrent clients, throughput and (with
 *     {@code -bm sample}) latency percentiles; peer: the {@code byte[]} controller.</li>
 * </ul>
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per request by the whole JVM,
 * server and client (the client allocates next to nothing: a prepared request, one answer buffer). Never run
 * by the build, except once with tiny tensors by its smoke test.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class InferenceLoadBenchmark {

    /** {@code oip}: this project; {@code peer}: the byte[] controller (binary) or Jackson databind (JSON). */
    @Param({"oip", "peer"})
    public String server;

    /** Bytes of the binary input of {@link #binary16MiB}. */
    @Param("16777216")
    public int binaryBytes;

    /** Bytes of the FP32 tensor sent as JSON numbers by {@link #json1MiB}. */
    @Param("1048576")
    public int jsonBytes;

    /** Bytes of the binary input of {@link #small4KiB}. */
    @Param("4096")
    public int smallBytes;

    private InferenceBenchServer app;

    @Setup(Level.Trial)
    public void start() {
        app = new InferenceBenchServer(Math.max(binaryBytes, Math.max(jsonBytes, smallBytes)));
    }

    @TearDown(Level.Trial)
    public void stop() {
        app.close();
    }

    /** A client sending a binary request of {@code binaryBytes}. */
    @State(Scope.Thread)
    public static class Binary16 {
        InferenceClient client;

        @Setup(Level.Trial)
        public void connect(InferenceLoadBenchmark benchmark) throws IOException {
            client = benchmark.binaryClient(benchmark.binaryBytes);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    /** A client sending a JSON request of {@code jsonBytes / 4} numbers. */
    @State(Scope.Thread)
    public static class Json1 {
        InferenceClient client;

        @Setup(Level.Trial)
        public void connect(InferenceLoadBenchmark benchmark) throws IOException {
            client = benchmark.jsonClient(benchmark.jsonBytes);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    /** One of the 16 clients sending a binary request of {@code smallBytes}. */
    @State(Scope.Thread)
    public static class Small4 {
        InferenceClient client;

        @Setup(Level.Trial)
        public void connect(InferenceLoadBenchmark benchmark) throws IOException {
            client = benchmark.binaryClient(benchmark.smallBytes);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    @Benchmark
    @Threads(1)
    public int binary16MiB(Binary16 state) throws IOException {
        return state.client.post();
    }

    @Benchmark
    @Threads(1)
    public int json1MiB(Json1 state) throws IOException {
        return state.client.post();
    }

    @Benchmark
    @Threads(16)
    public int small4KiB(Small4 state) throws IOException {
        return state.client.post();
    }

    InferenceClient binaryClient(int bytes) throws IOException {
        byte[] header = binaryHeader(bytes).getBytes(StandardCharsets.UTF_8);
        byte[] data = floats(bytes / 4);
        byte[] body = new byte[header.length + data.length];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(data, 0, body, header.length, data.length);
        InferenceClient client = new InferenceClient(app.port(), server.equals("oip") ? InferenceBenchServer.OIP
                : InferenceBenchServer.PEER_BYTES, body, header.length);
        client.post();   // fails the trial at once if the endpoint does not answer 200
        return client;
    }

    InferenceClient jsonClient(int bytes) throws IOException {
        byte[] body = jsonRequest(bytes / 4).getBytes(StandardCharsets.UTF_8);
        InferenceClient client = new InferenceClient(app.port(), server.equals("oip") ? InferenceBenchServer.OIP
                : InferenceBenchServer.PEER_DATABIND, body, -1);
        client.post();
        return client;
    }

    /** {@return the JSON header Triton's Python client writes for one FP32 input of {@code bytes}} */
    static String binaryHeader(int bytes) {
        return "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[" + bytes / 4 + "],\"datatype\":\"FP32\",\"parameters\":"
                + "{\"binary_data_size\":" + bytes + "}}],\"outputs\":[{\"name\":\"SUM\",\"parameters\":{\"binary_data\":false}}]}";
    }

    /** {@return a JSON request of {@code count} FP32 numbers, as Python's json writes floats (shortest repr)} */
    static String jsonRequest(int count) {
        Random random = new Random(42);
        StringBuilder json = new StringBuilder(count * 12 + 200)
                .append("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[").append(count).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "" : ",").append(random.nextFloat() * 100f);
        }
        return json.append("]}],\"outputs\":[{\"name\":\"SUM\"}]}").toString();
    }

    private static byte[] floats(int count) {
        ByteBuffer buffer = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(42);
        for (int i = 0; i < count; i++) {
            buffer.putFloat(random.nextFloat());
        }
        return buffer.array();
    }
}
