package dev.pinnedmemory.inference.rest;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryObjects;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Triton's system shared memory extension over REST, byte for byte as {@code tritonclient.http} sends it: register,
 * status and unregister as Triton answers them, Triton's "simple" example with its inputs and outputs in regions,
 * and every refusal with the protocol's {@code {"error": ...}}.
 */
class RestSharedMemoryTests {

    private static final String SIMPLE = "/v2/models/simple/infer";

    private final SharedMemoryObjects objects = new SharedMemoryObjects();
    private PinnedMemoryPool<byte[]> pool;
    private SharedMemoryRegistry registry;
    private RestTestServer rest;
    private RawHttp http;

    @BeforeEach
    void start() throws Exception {
        pool = TestPools.tensors(64 * 1024);
        registry = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(),
                new SharedMemoryLimits(4, 1 << 20, Duration.ofSeconds(30)));
        rest = new RestTestServer(InferenceServer.builder(pool)
                .models(List.of(ProtocolModels.simple(pool), ProtocolModels.simpleInPlace())).sharedMemory(registry).build());
        http = rest.client();
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
        rest.close();
        registry.close();
        assertThat(registry.heldBytes()).isZero();
        assertThat(pool.budget().usedBytes()).as("only the pool's own buffers").isEqualTo(pool.stats().pinnedBytes());
        TestPools.assertBalanced(pool);
        pool.close();
        objects.close();
    }

    @Test
    void registerStatusAndUnregisterShouldAnswerAsTritonDoes() throws Exception {
        String key = objects.create("input", 4096);
        long locked = SharedMemoryObjects.lockedKb();

        RawHttp.Response registered = http.post("/v2/systemsharedmemory/region/input_data/register",
                json("{\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":128}"));
        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.body()).isEmpty();
        assertThat(SharedMemoryObjects.lockedKb() - locked).isEqualTo(4);

        assertThat(http.get("/v2/systemsharedmemory/status").text())
                .isEqualTo("[{\"name\":\"input_data\",\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":128}]");
        assertThat(http.get("/v2/systemsharedmemory/region/input_data/status").text())
                .isEqualTo("[{\"name\":\"input_data\",\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":128}]");
        assertThat(http.get("/v2").text()).contains("\"extensions\":[\"binary_tensor_data\",\"system_shared_memory\"]");

        assertThat(http.post("/v2/systemsharedmemory/region/input_data/unregister", new byte[0]).status()).isEqualTo(200);
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        assertThat(http.get("/v2/systemsharedmemory/status").text()).isEqualTo("[]");
        assertThat(http.post("/v2/systemsharedmemory/region/input_data/unregister", new byte[0]).status())
                .as("unregistering what is not registered is no error, as with Triton").isEqualTo(200);

        http.post("/v2/systemsharedmemory/region/a/register", json("{\"key\":\"" + key + "\",\"byte_size\":64}"));
        http.post("/v2/systemsharedmemory/region/b/register", json("{\"key\":\"" + key + "\",\"offset\":64,\"byte_size\":64}"));
        assertThat(http.get("/v2/systemsharedmemory/status").text()).contains("\"name\":\"a\"").contains("\"name\":\"b\"");
        assertThat(http.post("/v2/systemsharedmemory/unregister", new byte[0]).status()).isEqualTo(200);
        assertThat(registry.heldRegionCount()).isZero();
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
    }

    @Test
    void tritonsSimpleExampleShouldReadItsInputsFromRegionsAndWriteItsOutputsIntoThem() throws Exception {
        String inputKey = objects.create("input_simple", 128);
        String outputKey = objects.create("output_simple", 128);
        MemorySegment input = objects.map(inputKey);
        MemorySegment output = objects.map(outputKey);
        for (int i = 0; i < 16; i++) {
            input.set(ProtocolModels.INT, i * 4L, i);
            input.set(ProtocolModels.INT, 64 + i * 4L, 1);
        }
        http.post("/v2/systemsharedmemory/region/input_data/register", json("{\"key\":\"" + inputKey + "\",\"offset\":0,\"byte_size\":128}"));
        http.post("/v2/systemsharedmemory/region/output_data/register", json("{\"key\":\"" + outputKey + "\",\"offset\":0,\"byte_size\":128}"));

        for (String model : List.of("simple", "simple_in_place")) {
            output.fill((byte) 0);
            RawHttp.Response answer = http.post("/v2/models/" + model + "/infer", json("{\"inputs\":["
                    + "{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"shared_memory_region\":\"input_data\",\"shared_memory_byte_size\":64}},"
                    + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"shared_memory_region\":\"input_data\",\"shared_memory_byte_size\":64,\"shared_memory_offset\":64}}],"
                    + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true,\"shared_memory_region\":\"output_data\",\"shared_memory_byte_size\":64}},"
                    + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":true,\"shared_memory_region\":\"output_data\",\"shared_memory_byte_size\":64,\"shared_memory_offset\":64}}]}"));

            assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            assertThat(answer.header("Inference-Header-Content-Length")).as("no data travels: no binary part").isNull();
            assertThat(answer.text()).isEqualTo("{\"model_name\":\"" + model + "\"," + (model.equals("simple") ? "\"model_version\":\"1\"," : "")
                    + "\"outputs\":[{\"name\":\"OUTPUT0\",\"datatype\":\"INT32\",\"shape\":[1,16],\"parameters\":{\"shared_memory_region\":\"output_data\",\"shared_memory_offset\":0,\"shared_memory_byte_size\":64}},"
                    + "{\"name\":\"OUTPUT1\",\"datatype\":\"INT32\",\"shape\":[1,16],\"parameters\":{\"shared_memory_region\":\"output_data\",\"shared_memory_offset\":64,\"shared_memory_byte_size\":64}}]}");
            for (int i = 0; i < 16; i++) {
                assertThat(output.get(ProtocolModels.INT, i * 4L)).as("%s OUTPUT0[%d]", model, i).isEqualTo(i + 1);
                assertThat(output.get(ProtocolModels.INT, 64 + i * 4L)).as("%s OUTPUT1[%d]", model, i).isEqualTo(i - 1);
            }
        }
        assertThat(registry.copiedBytes()).as("'simple' answers in leases of its own (copied once); 'simple_in_place' writes "
                + "where the client asked (nothing copied)").isEqualTo(128);
        assertThat(pool.stats().rents()).as("'simple' rented its two outputs; no input was rented").isEqualTo(2);
    }

    @Test
    void inputsInRegionsAndInTheBodyShouldMixInOneRequest() throws Exception {
        String key = objects.create("mixed", 64);
        MemorySegment client = objects.map(key);
        for (int i = 0; i < 16; i++) {
            client.set(ProtocolModels.INT, i * 4L, 10 * i);
        }
        http.post("/v2/systemsharedmemory/region/in0/register", json("{\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":64}"));
        byte[] ones = new byte[64];
        for (int i = 0; i < 64; i += 4) {
            ones[i] = 1;
        }
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"shared_memory_region\":\"in0\",\"shared_memory_byte_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],"
                + "\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}],\"outputs\":[{\"name\":\"OUTPUT0\","
                + "\"parameters\":{\"binary_data\":true}}]}";

        RawHttp.Response answer = http.postBinary(SIMPLE, header, ones);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.binary().getInt(15 * 4)).isEqualTo(151);
    }

    @Test
    void refusalsShouldBeTheProtocolsErrorsNamingRegionOffsetSizeAndLimit() throws Exception {
        String key = objects.create("errors", 4096);
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"/../etc/passwd\",\"offset\":0,\"byte_size\":8}")),
                400, "shared memory region 'r': key '/../etc/passwd' has a '/' after its first (expected: a POSIX shared "
                        + "memory name, '/' and then 1 to 255 characters without '/' or '..', as shm_open takes it)");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"offset\":4000,\"byte_size\":200}")),
                400, "shared memory region 'r': offset 4000 + byte_size 200 = 4200 bytes, past the end of '" + key
                        + "', which holds 4096 bytes");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"offset\":0}")),
                400, "the registration of shared memory region 'r' lacks 'byte_size' (expected: {\"key\": \"/name\", "
                        + "\"offset\": 0, \"byte_size\": N})");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"byte_size\":1e3}")),
                400, "the registration of shared memory region 'r': 'byte_size' must be a number of bytes (an integer of at most "
                        + "9223372036854775807), but is a number 1e3");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"byte_size\":99999999999999999999}")),
                400, "'byte_size' must be a number of bytes (an integer of at most 9223372036854775807), but is a number 99999999999999999999");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("[")), 400,
                "the registration of shared memory region 'r' must be a JSON object");
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + "x".repeat(5000) + "\"}")), 400,
                "the registration of shared memory region 'r' is longer than 4096 bytes");
        assertError(http.get("/v2/systemsharedmemory/region/nothing/status"), 400,
                "no shared memory region 'nothing' is registered (registered: [])");

        http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":4096}"));
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":4096}")),
                400, "shared memory region 'r' is registered already (key '" + key + "'): unregister it first");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64,\"shared_memory_offset\":4090}}]}")),
                400, "input 'INPUT0' (INT32, shape [1, 16]): shared_memory_offset 4090 + shared_memory_byte_size 64 lie outside "
                        + "shared memory region 'r' of 4096 bytes");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":60}}]}")),
                400, "input 'INPUT0' (INT32, shape [1, 16]): region 'r' (shared_memory_offset 0, shared_memory_byte_size 60) holds "
                        + "60 bytes, but 16 elements of INT32 are 64 bytes (4 each)");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"q\",\"shared_memory_byte_size\":64}}]}")),
                400, "input 'INPUT0' (INT32, shape [1, 16]): no shared memory region 'q' is registered (registered: [r])");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64},\"data\":" + zeros(16) + "}]}")),
                400, "input 'INPUT0' has both 'data' and shared memory parameters (expected: one or the other)");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":"
                        + zeros(16) + ",\"parameters\":{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64}}]}")),
                400, "input 'INPUT0' has both 'data' and shared memory parameters (expected: one or the other)");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64,\"binary_data_size\":64}}]}")),
                400, "input 'INPUT0' has both binary_data_size and shared memory parameters (expected: one or the other)");
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64}},{\"name\":\"INPUT1\",\"shape\":[1,16],"
                        + "\"datatype\":\"INT32\",\"parameters\":{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64}}],"
                        + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":32}}]}")),
                400, "output 'OUTPUT0' (INT32, shape [1, 16]) is 64 bytes, more than the 32 bytes offered in shared memory region "
                        + "'r' (shared_memory_offset 0, shared_memory_byte_size 32)");
        assertThat(registry.status("r").getFirst().activeRequests()).isZero();
    }

    @Test
    void whenTheExtensionIsOffEveryEndpointShouldAnswer403AndTheMetadataNotListIt() throws Exception {
        http.close();
        rest.close();
        rest = new RestTestServer(pool, List.of(ProtocolModels.simple(pool)));
        http = rest.client();
        String key = objects.create("off", 4096);
        String off = "system shared memory is switched off (pinned-memory.inference.shared-memory.enabled)";

        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("{\"key\":\"" + key + "\",\"offset\":0,\"byte_size\":64}")), 403, off);
        assertError(http.post("/v2/systemsharedmemory/region/r/register", json("not even JSON")), 403, off);
        assertError(http.post("/v2/systemsharedmemory/region/r/unregister", new byte[0]), 403, off);
        assertError(http.post("/v2/systemsharedmemory/unregister", new byte[0]), 403, off);
        assertError(http.get("/v2/systemsharedmemory/status"), 403, off);
        assertError(http.get("/v2/systemsharedmemory/region/r/status"), 403, off);
        assertError(http.post(SIMPLE, json("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":"
                + "{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":64}}]}")), 403, off);
        assertThat(http.get("/v2").text()).contains("\"extensions\":[\"binary_tensor_data\"]");
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isZero();
    }

    private static void assertError(RawHttp.Response response, int status, String fragment) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.text()).startsWith("{\"error\":\"").contains(fragment.replace("\"", "\\\""));
    }

    private static byte[] json(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static String zeros(int count) {
        return "[" + String.join(",", java.util.Collections.nCopies(count, "0")) + "]";
    }
}
