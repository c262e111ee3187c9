package dev.pinnedmemory.benchmarks.inference;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.rest.InferenceRestController;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
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
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The JSON request of {@link InferenceLoadBenchmark#json1MiB} parsed in this JVM, without HTTP: the fast loop for
 * the parsing alone. {@link #oip} hands the body to {@link InferenceRestController#infer} (reader, data into a
 * pinned lease, the {@code sum} model, the JSON answer) through Spring's mock servlet request; {@link #databind}
 * is the peer's work, Jackson databind of the same bytes into a record with a {@code float[]}, summed.
 * {@code numbers}: {@code java} writes each FP32 value as {@code Float.toString} does (the load benchmark's
 * body, at most 9 digits); {@code python} as Python's {@code json} writes a float32 that became a Python float
 * (its double's shortest form, up to 17 digits: what {@code tritonclient} sends from {@code ndarray.tolist()}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class JsonParseBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How the numbers are written: {@code java} ({@code Float.toString}) or {@code python} (the float's double, shortest). */
    @Param({"java", "python"})
    public String numbers;

    /** Bytes of the FP32 tensor: {@code count / 4} numbers. */
    @Param("1048576")
    public int tensorBytes;

    private PinnedMemoryPool<byte[]> pool;
    private InferenceRestController controller;
    private byte[] body;

    @Setup(Level.Trial)
    public void start() {
        pool = PinnedMemoryPool.builder(ElementType.BYTE).name("tensors").bufferSize(Math.max(4096, tensorBytes))
                .minBufferSize(4096).initialSize(0).maxSize(4).clearOnReturn(false).build();
        controller = new InferenceRestController(InferenceServer.builder(pool).model(new InferenceBenchServer.SumModel()).build());
        body = request(tensorBytes / 4, numbers.equals("python")).getBytes(StandardCharsets.UTF_8);
    }

    @TearDown(Level.Trial)
    public void stop() {
        pool.close();
    }

    /** {@return the answer's length} after checking that it is a 200 */
    @Benchmark
    public int oip() throws IOException {
        return post().getContentLength();
    }

    /** {@return the answer of {@link #oip}, for checks} */
    String oipAnswer() throws IOException {
        return post().getContentAsString();
    }

    private MockHttpServletResponse post() throws IOException {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", InferenceBenchServer.OIP) {
            private final ServletInputStream stream = new BodyStream(body);

            @Override
            public ServletInputStream getInputStream() {
                return stream;
            }
        };
        request.setContentType("application/json");
        request.setContent(body);
        MockHttpServletResponse response = new MockHttpServletResponse();
        controller.infer("sum", null, request, response);
        if (response.getStatus() != 200) {
            throw new IllegalStateException(response.getStatus() + " " + response.getContentAsString());
        }
        return response;
    }

    @Benchmark
    public float databind() throws IOException {
        InferenceBenchServer.JsonRequest request = JSON.readValue(new ByteArrayInputStream(body), InferenceBenchServer.JsonRequest.class);
        float sum = 0;
        for (float value : request.inputs().getFirst().data()) {
            sum += value;
        }
        return sum;
    }

    /**
     * The body as a servlet stream that reads in bulk, as Tomcat's does (Spring's mock stream reads byte by byte:
     * it would measure that).
     */
    private static final class BodyStream extends ServletInputStream {
        private final ByteArrayInputStream bytes;

        BodyStream(byte[] body) {
            bytes = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            return bytes.read(target, offset, length);
        }

        @Override
        public boolean isFinished() {
            return bytes.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
        }
    }

    /** {@return the JSON request of {@link InferenceLoadBenchmark#jsonRequest}, its numbers written as {@code python} says} */
    static String request(int count, boolean python) {
        if (!python) {
            return InferenceLoadBenchmark.jsonRequest(count);
        }
        Random random = new Random(42);
        StringBuilder json = new StringBuilder(count * 20 + 200)
                .append("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[").append(count).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "" : ", ").append((double) (random.nextFloat() * 100f));
        }
        return json.append("]}],\"outputs\":[{\"name\":\"SUM\"}]}").toString();
    }
}
