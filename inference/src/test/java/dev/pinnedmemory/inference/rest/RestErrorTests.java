package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceObserver;
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
 * Every refusal of the REST protocol: its status, its {@code {"error": ...}} naming the tensor, the sizes and
 * the limit; hostile requests refused before they cost memory (no rent at all where the headers and declared
 * sizes tell); and after each, every lease back in the pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestErrorTests {

    private static final String SIMPLE = "/v2/models/simple/infer";

    private PinnedMemoryPool<byte[]> pool;
    private RestTestServer server;
    private RawHttp http;

    @BeforeAll
    void start() throws IOException {
        pool = TestPools.tensors(64 * 1024);
        List<InferenceModel> models = new ArrayList<>(List.of(ProtocolModels.simple(pool), failing()));
        models.addAll(ProtocolModels.echoes());
        server = new RestTestServer(pool, models, new InferenceLimits(64, 1 << 20), InferenceObserver.NONE);
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
    void malformedJsonShouldBe400NamingWhere() throws IOException {
        assertError(http.post(SIMPLE, "{\"inputs\":[{\"name\":\"INPUT0\",}]}".getBytes(StandardCharsets.UTF_8)), 400,
                "malformed JSON at line 1, column 29: Unexpected character ('}' (code 125))");
        assertError(http.post(SIMPLE, "[1,2]".getBytes(StandardCharsets.UTF_8)), 400,
                "the request must be a JSON object, but starts with an array");
        assertError(http.post(SIMPLE, "{\"inputs\":{}}".getBytes(StandardCharsets.UTF_8)), 400,
                "'inputs' must be an array of input objects, but is an object");
        assertError(http.post(SIMPLE, "{} {}".getBytes(StandardCharsets.UTF_8)), 400, "the JSON header goes on after its object");
    }

    /**
     * Found by the REST fuzz target (issue 32; corpus input {@code crash-nul-bytes-read-as-utf32}): a body that starts with NUL
     * bytes is read by Jackson as UTF-32, whose decoder throws an {@code IOException} on the first bad character, and
     * that was taken for a client that went away: the request was dropped and Tomcat answered an empty 200; and how
     * far the decoder got, so the answer, depended on how the body was cut into reads. JSON is UTF-8 (RFC 8259).
     */
    @Test
    void aJsonHeaderThatIsNotValidTextShouldBe400NamingTheEncodingError() throws IOException {
        byte[] nulThenText = new byte[77];
        System.arraycopy("st:8000 {\"inputs\":[]}".getBytes(StandardCharsets.US_ASCII), 0, nulThenText, 60, 17);
        assertError(http.post("/v2/models/echo_fp32/infer", nulThenText), 400,
                "the JSON is not UTF-8: byte 0 is 0x00 (the protocol's JSON is UTF-8 text, RFC 8259 section 8.1)");
        assertError(http.post("/v2/models/echo_fp32/infer", new byte[] {'{', 0, 0, 0, '}', 0, 0, 0}), 400,
                "the JSON is not UTF-8: byte 1 is 0x00");
        assertError(http.post("/v2/models/echo_fp32/infer", new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0}), 400,
                "the JSON is not UTF-8: byte 3 is 0x00");
        assertError(http.post("/v2/models/echo_fp32/infer", new byte[] {(byte) 0xFE, (byte) 0xFF, '{', '}'}), 400,
                "the JSON is not UTF-8: it starts with the UTF-16 byte order mark 0xFE 0xFF");
        assertError(http.post("/v2/repository/index", new byte[] {0, '{', 0, '}'}), 400, "the JSON is not UTF-8: byte 0 is 0x00");
        assertThat(pool.stats().inUse()).isZero();
    }

    @Test
    void badHeaderLengthsShouldBe400BeforeAnythingIsRead() throws IOException {
        long rents = pool.stats().rents();
        byte[] body = binaryRequest(64, 64);
        assertError(http.post(SIMPLE, body, "Inference-Header-Content-Length: many"), 400,
                "Inference-Header-Content-Length 'many' is not a number of bytes");
        assertError(http.post(SIMPLE, body, "Inference-Header-Content-Length: 0"), 400,
                "Inference-Header-Content-Length is 0 (expected: the JSON's length, at least 1)");
        assertError(http.post(SIMPLE, body, "Inference-Header-Content-Length: " + (body.length + 1)), 400,
                "Inference-Header-Content-Length is " + (body.length + 1) + " bytes, more than the body's Content-Length of " + body.length);
        assertError(http.post(SIMPLE, body, "Inference-Header-Content-Length: 4000000000"), 400,
                "Inference-Header-Content-Length claims 4000000000 bytes of JSON, more than the limit of 1048576 bytes "
                        + "(pinned-memory.inference.max-header-size)");
        assertThat(pool.stats().rents()).isEqualTo(rents);
    }

    @Test
    void sizesThatDoNotAddUpShouldBe400BeforeAnythingIsRented() throws IOException {
        long rents = pool.stats().rents();
        assertError(http.postBinary(SIMPLE, binaryHeader(64, 60), new byte[124]), 400,
                "input 'INPUT1' (INT32, shape [1, 16]): 60 bytes, but 16 elements of INT32 are 64 bytes (4 each)");
        assertError(http.postBinary(SIMPLE, binaryHeader(64, 64), new byte[100]), 400,
                "Content-Length is " + (binaryHeader(64, 64).length() + 100) + " bytes, but the JSON header ("
                        + binaryHeader(64, 64).length() + " bytes) and the binary_data_size of [INPUT0, INPUT1] (128 bytes) add up to "
                        + (binaryHeader(64, 64).length() + 128));
        assertError(http.post(SIMPLE, binaryHeader(64, 64).getBytes(StandardCharsets.UTF_8)), 400,
                "input 'INPUT0' has binary_data_size, but the request has no Inference-Header-Content-Length header");
        assertThat(pool.stats().rents()).isEqualTo(rents);
    }

    @Test
    void aTensorLargerThanThePoolsLargestBufferShouldBe413BeforeAnythingIsRented() throws IOException {
        long rents = pool.stats().rents();
        String header = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[20000],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":80000}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        http.send(RawHttp.head("/v2/models/echo_fp32/infer", json.length + 80_000L, "Inference-Header-Content-Length: " + json.length));
        http.send(json);
        assertError(http.read(), 413, "input 'INPUT' (FP32, shape [20000]): 80000 bytes, larger than the largest buffer of pool "
                + "'tensors' (65536 bytes)");
        assertError(http.post("/v2/models/echo_fp32/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[20000],\"datatype\":\"FP32\",\"data\":[1]}]}"
                .getBytes(StandardCharsets.UTF_8)), 413, "80000 bytes, larger than the largest buffer of pool 'tensors' (65536 bytes)");
        assertThat(pool.stats().rents()).isEqualTo(rents);
    }

    @Test
    void inputsThatDoNotMatchTheModelShouldBe400NamingTheInput() throws IOException {
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(16) + "}")),
                400, "model 'simple' needs input 'INPUT1', missing in the request");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT9\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(16) + "}")),
                400, "model 'simple' has no input 'INPUT9' (inputs: [INPUT0, INPUT1])");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT33\",\"data\":" + ints(16) + "}")),
                400, "input 'INPUT0': unknown datatype 'INT33' (expected one of [BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, "
                        + "INT32, INT64, FP16, BF16, FP32, FP64, BYTES])");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"FP32\",\"data\":" + ints(16) + "}")),
                400, "input 'INPUT0': datatype FP32, but model 'simple' takes INT32");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[2,8],\"datatype\":\"INT32\",\"data\":" + ints(16) + "}")),
                400, "input 'INPUT0': shape [2, 8] does not fit [1, 16] of model 'simple' (-1: any size)");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(15) + "}")),
                400, "input 'INPUT0' (INT32, shape [1, 16]): 15 elements, but the shape holds 16");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(17) + "}")),
                400, "input 'INPUT0' (INT32, shape [1, 16]): more than the 16 elements its shape holds");
        assertError(http.post(SIMPLE, json("{\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(16) + "}")), 400,
                "input 0: 'data' must come after 'name', 'datatype' and 'shape' (as the protocol's clients write them)");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\"}")), 400,
                "input 'INPUT0' has neither 'data' nor a binary_data_size parameter nor a shared_memory_region");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"datatype\":\"INT32\"}")), 400, "input 'INPUT0' lacks 'shape'");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + ints(16)
                + ",\"parameters\":{\"binary_data_size\":64}}")), 400, "input 'INPUT0' has both 'data' and binary_data_size");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,\"16\"],\"datatype\":\"INT32\"}")), 400,
                "the shape of input 'INPUT0' holds a string 16 (expected: sizes, integers of at least 0)");
        assertError(http.post(SIMPLE, ("{\"inputs\":[],\"outputs\":[{\"name\":\"OUTPUT7\"}]}").getBytes(StandardCharsets.UTF_8)), 400,
                "model 'simple' has no output 'OUTPUT7' (outputs: [OUTPUT0, OUTPUT1])");
        assertError(http.post(SIMPLE, ("{\"model_name\":\"other\",\"inputs\":[]}").getBytes(StandardCharsets.UTF_8)), 400,
                "model_name 'other' in the body, but the URL names model 'simple'");
        assertError(http.post("/v2/models/echo_fp32/infer", ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1],\"datatype\":\"FP32\","
                + "\"data\":[\"1.5\"]}]}").getBytes(StandardCharsets.UTF_8)), 400,
                "input 'INPUT' (FP32) element 0: a string \"1.5\" is not a FP32 (expected: a number)");
    }

    @Test
    void numbersOutOfRangeForTheirDatatypeShouldBe400NamingTheValueAndTheRange() throws IOException {
        assertError(echo("uint8", "UINT8", "[1,300]"), 400,
                "input 'INPUT' (UINT8, shape [2]) element 1: 300 is out of range [0, 255] of UINT8");
        assertError(echo("int32", "INT32", "[1.5,2]"), 400,
                "input 'INPUT' (INT32, shape [2]) element 0: 1.5 is not an integer, expected an integer in [-2147483648, 2147483647] of INT32");
        assertError(echo("int64", "INT64", "[NaN,2]"), 400, "input 'INPUT' (INT64, shape [2]) element 0: NaN is not a number of INT64");
        assertError(echo("uint64", "UINT64", "[1,18446744073709551616]"), 400,
                "element 1: 18446744073709551616 is out of range [0, 18446744073709551615] of UINT64");
        assertError(echo("int8", "INT8", "[-129,0]"), 400, "element 0: -129 is out of range [-128, 127] of INT8");
        assertError(echo("fp32", "FP32", "[1e39,0]"), 400, "input 'INPUT' (FP32, shape [2]) element 0: 1e39 is out of range of FP32");
        assertError(echo("fp64", "FP64", "[0,-1e999]"), 400, "input 'INPUT' (FP64, shape [2]) element 1: -1e999 is out of range of FP64");
        assertError(echo("fp16", "FP16", "[1,65520]"), 400, "element 1: 65520.0 is out of range of FP16 (at most 65504 in magnitude)");
        assertError(echo("bool", "BOOL", "[1,0]"), 400, "element 0: 1 is not a BOOL (expected: true or false)");
        assertError(echo("bytes", "BYTES", "[\"a\",2]"), 400, "element 1: a number is not a BYTES element (expected: a string)");
        assertError(echo("int16", "INT16", "[1,null]"), 400, "element 1: null is not a INT16 (expected: a number)");
    }

    @Test
    void hostileStructuresShouldBe400WithNothingRented() throws IOException {
        long rents = pool.stats().rents();
        StringBuilder thousands = new StringBuilder("{\"inputs\":[");
        for (int i = 0; i < 5000; i++) {
            thousands.append(i == 0 ? "" : ",").append("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\","
                    + "\"parameters\":{\"binary_data_size\":64}}");
        }
        thousands.append("]}");
        assertError(http.postBinary(SIMPLE, thousands.toString(), new byte[64 * 5000]), 400, "input 'INPUT0' appears twice");
        assertError(http.post("/v2/models/echo_fp32/infer", ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[4611686018427387904],"
                + "\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":64}}]}").getBytes(StandardCharsets.UTF_8)), 400,
                "input 'INPUT': shape [4611686018427387904] has more elements or bytes than a long counts");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,-16],\"datatype\":\"INT32\","
                + "\"parameters\":{\"binary_data_size\":64}}")), 400, "input 'INPUT0': shape [1, -16] (expected: sizes of at least 0)");
        assertError(http.post(SIMPLE, json("{\"name\":\"INPUT0\",\"shape\":[1,99999999999999999999],\"datatype\":\"INT32\"}")), 400,
                "the shape of input 'INPUT0' holds a number 99999999999999999999 (expected: sizes, integers of at least 0)");
        assertThat(pool.stats().rents()).isEqualTo(rents);
        assertError(echo("int32", "INT32", "[[1],[2]]"), 400,
                "input 'INPUT': its data is nested deeper than its shape [2] (at most 1 levels of arrays)");
        assertError(http.post(SIMPLE, ("{\"inputs\":" + "[".repeat(200) + "]".repeat(200) + "}").getBytes(StandardCharsets.UTF_8)), 400,
                "input 0 must be a JSON object, but is an array");
        assertError(http.post(SIMPLE, ("{\"ignored\":" + "[".repeat(200) + "]".repeat(200) + "}").getBytes(StandardCharsets.UTF_8)), 400,
                "malformed JSON: Document nesting depth (73) exceeds the maximum allowed (72)");
    }

    @Test
    void aJsonBodyLongerThanTheLimitShouldBe400WithoutReadingIt() throws IOException {
        byte[] large = new byte[(1 << 20) + 1];
        java.util.Arrays.fill(large, (byte) ' ');
        large[0] = '{';
        large[large.length - 1] = '}';
        assertError(http.post(SIMPLE, large), 400, "a JSON body of 1048577 bytes is larger than the limit of 1048576 bytes "
                + "(pinned-memory.inference.max-header-size); send tensors as binary data");
    }

    @Test
    void aChunkedJsonBodyLongerThanTheLimitShouldBe400AtTheFirstByteOverIt() throws IOException {
        byte[] large = new byte[(1 << 20) + 100];
        java.util.Arrays.fill(large, (byte) ' ');
        large[0] = '{';
        large[large.length - 1] = '}';
        http.send(RawHttp.head(SIMPLE, -1, "Transfer-Encoding: chunked"));
        http.send((Integer.toHexString(large.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        http.send(large);
        http.send("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertError(http.read(), 400, "the JSON body is longer than the limit of 1048576 bytes "
                + "(pinned-memory.inference.max-header-size); send tensors as binary data");
    }

    @Test
    void aModelThatThrowsShouldBe500WithItsMessageOnly() throws IOException {
        RawHttp.Response answer = http.post("/v2/models/failing/infer", json("{\"name\":\"X\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}"));
        assertError(answer, 500, "model 'failing' failed: the GPU is on fire");
        assertThat(answer.text()).doesNotContain("at dev.");
    }

    @Test
    void noMemoryWithinMaxWaitShouldBe503WithRetryAfter() throws IOException {
        MemoryBudget budget = new MemoryBudget(64 * 1024);
        try (PinnedMemoryPool<byte[]> tight = TestPools.tensors(64 * 1024, budget, Duration.ofMillis(50));
             RestTestServer busy = new RestTestServer(tight, ProtocolModels.echoes());
             RawHttp client = busy.client()) {
            PinnedBuffer<byte[]> hog = tight.rent(64 * 1024);
            RawHttp.Response answer = client.postBinary("/v2/models/echo_fp32/infer", "{\"inputs\":[{\"name\":\"INPUT\","
                    + "\"shape\":[4],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":16}}]}", new byte[16]);
            assertError(answer, 503, "no pinned memory for input 'INPUT' (FP32, shape [4]) of 16 bytes within pool 'tensors' "
                    + "max-wait of 50 ms (budget: 65536 of 65536 bytes used, pinned-memory.max-total-size); try again shortly");
            assertThat(answer.header("Retry-After")).isEqualTo("1");
            hog.close();
            TestPools.assertBalanced(tight);
        }
    }

    private RawHttp.Response echo(String model, String datatype, String data) throws IOException {
        long elements = data.chars().filter(c -> c == ',').count() + 1;
        return http.post("/v2/models/echo_" + model + "/infer", ("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[" + elements
                + "],\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}").getBytes(StandardCharsets.UTF_8));
    }

    private static void assertError(RawHttp.Response answer, int status, String message) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.text()).startsWith("{\"error\":\"").contains(message.replace("\"", "\\\""));
    }

    private static byte[] json(String input) {
        return ("{\"inputs\":[" + input + "]}").getBytes(StandardCharsets.UTF_8);
    }

    private static String ints(int count) {
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            data.append(i == 0 ? "" : ",").append(i);
        }
        return data.append(']').toString();
    }

    private static String binaryHeader(int first, int second) {
        return "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":"
                + first + "}},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":"
                + second + "}}]}";
    }

    private static byte[] binaryRequest(int first, int second) {
        byte[] json = binaryHeader(first, second).getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + first + second];
        System.arraycopy(json, 0, body, 0, json.length);
        return body;
    }

    private static InferenceModel failing() {
        return new TestModels.Scripted(new ModelMetadata("failing", List.of(), "java",
                List.of(new TensorMetadata("X", "FP32", List.of(1L))), List.of(new TensorMetadata("Y", "FP32", List.of(1L)))),
                request -> {
                    throw new IllegalStateException("the GPU is on fire");
                });
    }
}
