package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSON tensor data over HTTP, read by {@link JsonDataScanner} from Tomcat's stream: numbers as Python's
 * {@code json} and Java write them, across many socket reads, bit for bit; faults after the data named where
 * they are; a body over the limit inside the data refused as too long; every lease back in the pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestJsonDataTests {

    private static final String MATRIX = "/v2/models/matrix/infer";

    private final AtomicReference<float[]> seen = new AtomicReference<>();
    private PinnedMemoryPool<byte[]> pool;
    private RestTestServer server;
    private RawHttp http;

    @BeforeAll
    void start() throws IOException {
        pool = TestPools.tensors(1 << 20);
        server = new RestTestServer(pool, List.of(new TestModels.Scripted(new ModelMetadata("matrix", List.of(), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L, -1L))), List.of(new TensorMetadata("SUM", "FP32", List.of(1L)))),
                request -> {
                    MemorySegment data = request.input("INPUT").data();
                    float[] values = new float[(int) (data.byteSize() / 4)];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = data.get(TestModels.FLOAT, 4L * i);
                    }
                    seen.set(values);
                    return InferenceResponse.builder().output("SUM", "FP32", new long[] {1}, TestModels.floats(TestModels.sum(data)))
                            .build();
                })), new InferenceLimits(64, 1 << 20), InferenceObserver.NONE);
        http = server.client();
    }

    @AfterEach
    void balanced() {
        TestPools.assertBalanced(pool);
    }

    @AfterAll
    void stop() throws IOException {
        http.close();
        server.close();
        pool.close();
    }

    @Test
    void numbersAsPythonAndJavaWriteThemShouldArriveBitForBit() throws IOException {
        Random random = new Random(27);
        float[] values = new float[2 * 20_000];
        StringBuilder python = new StringBuilder("[[");
        StringBuilder java = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(10) == 0 ? Float.intBitsToFloat(random.nextInt()) : (random.nextFloat() - 0.5f) * 200f;
            if (Float.isNaN(values[i])) {
                values[i] = Float.MIN_VALUE;
            }
            python.append(i == 0 ? "" : i == values.length / 2 ? "], [" : ", ").append(pythonRepr(values[i]));
            java.append(i == 0 ? "" : ",").append(Float.toString(values[i]));
        }
        python.append("]]");
        java.append("]");
        for (String data : List.of(python.toString(), java.toString())) {
            seen.set(null);
            RawHttp.Response answer = http.post(MATRIX, request("[2, " + values.length / 2 + "]", data));
            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            assertThat(seen.get()).containsExactly(values);
        }
    }

    @Test
    void aFaultAfterTheDataShouldBeNamedAtItsTrueLineAndColumn() throws IOException {
        String json = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1.5, 2.5, 3.5],}]}";
        RawHttp.Response answer = http.post(MATRIX, json.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.text()).contains("malformed JSON at line 1, column " + (json.indexOf(",}") + 2) + ": Unexpected character ('}'");
        String lines = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1.5,\n2.5,\n  3.5]} x]}";
        answer = http.post(MATRIX, lines.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.text()).contains("malformed JSON at line 3, column 9: Unexpected character ('x'");
        answer = http.post(MATRIX, "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1.5,\n2.5,,3.5]}]}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.text()).contains("malformed JSON at line 2, column 5: Unexpected character (',' (code 44)): expected a value");
    }

    @Test
    void aChunkedJsonBodyOverTheLimitInsideItsDataShouldBeRefusedAsTooLong() throws IOException {
        StringBuilder data = new StringBuilder("[[");
        for (int i = 0; i < 250_000; i++) {
            data.append(i == 0 ? "" : ",").append("1.25");
        }
        byte[] body = request("[1, 250000]", data.append("]]").toString());
        assertThat(body.length).isGreaterThan(1 << 20);
        http.send(RawHttp.head(MATRIX, -1, "Transfer-Encoding: chunked"));
        http.send((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        http.send(body);
        http.send("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        RawHttp.Response answer = http.read();
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.text()).contains("the JSON body is longer than the limit of 1048576 bytes "
                + "(pinned-memory.inference.max-header-size); send tensors as binary data");
    }

    @Test
    void aByteOrderMarkShouldNotChangeWhatIsRead() throws IOException {
        byte[] json = request("[1, 2]", "[[1.5, -2]]");
        byte[] marked = new byte[json.length + 3];
        marked[0] = (byte) 0xEF;
        marked[1] = (byte) 0xBB;
        marked[2] = (byte) 0xBF;
        System.arraycopy(json, 0, marked, 3, json.length);
        RawHttp.Response answer = http.post(MATRIX, marked);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(seen.get()).containsExactly(1.5f, -2f);
    }

    private static byte[] request(String shape, String data) {
        return ("{\"inputs\": [{\"name\": \"INPUT\", \"shape\": " + shape + ", \"datatype\": \"FP32\", \"data\": " + data
                + "}], \"outputs\": [{\"name\": \"SUM\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** {@return Python's {@code repr} of a float32 that became a Python float: its double's shortest form} */
    private static String pythonRepr(float value) {
        if (Float.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        return Double.toString(value).replace('E', 'e');
    }
}
