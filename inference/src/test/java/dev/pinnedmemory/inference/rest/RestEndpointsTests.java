package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.skyscreamer.jsonassert.JSONAssert;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, metadata and the repository index over REST, as Triton's Python client calls them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestEndpointsTests {

    private PinnedMemoryPool<byte[]> pool;
    private RestTestServer server;
    private RawHttp http;
    private TestModels.Scripted myModel;
    private TestModels.Scripted simple;

    @BeforeAll
    void start() throws IOException {
        pool = TestPools.tensors(1 << 20);
        myModel = ProtocolModels.myModel();
        simple = ProtocolModels.simple(pool);
        server = new RestTestServer(pool, List.of(myModel, simple));
        http = server.client();
    }

    @BeforeEach
    void allReady() {
        myModel.ready = true;
        simple.ready = true;
    }

    @AfterAll
    void stop() throws IOException {
        http.close();
        server.close();
        pool.close();
    }

    @Test
    void liveAndReadyShouldAnswer200WithEmptyBodies() throws IOException {
        assertThat(http.get("/v2/health/live")).satisfies(answer -> {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEmpty();
        });
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/simple/ready").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/simple/versions/1/ready").status()).isEqualTo(200);
    }

    @Test
    void aModelThatIsNotReadyShouldMakeTheServerNotReadyAndRefuseInference() throws IOException {
        simple.ready = false;
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(400);
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(http.get("/v2/models/simple/ready").status()).isEqualTo(400);
        assertThat(http.get("/v2/models/mymodel/ready").status()).isEqualTo(200);
        RawHttp.Response refused = http.post("/v2/models/simple/infer", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.text()).isEqualTo("{\"error\":\"model 'simple' version 1 is not ready\"}");
    }

    @Test
    void serverMetadataShouldListTheBinaryTensorDataExtension() throws Exception {
        RawHttp.Response answer = http.get("/v2");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        JSONAssert.assertEquals("{\"name\":\"pinned-memory\",\"extensions\":[\"binary_tensor_data\"]}", answer.text(), false);
        assertThat(answer.text()).containsPattern("\"version\":\"\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void modelMetadataShouldDescribeTheModelAsTheProtocolSays() throws Exception {
        String expected = """
                {"name":"simple","versions":["1"],"platform":"java",
                 "inputs":[{"name":"INPUT0","datatype":"INT32","shape":[1,16]},{"name":"INPUT1","datatype":"INT32","shape":[1,16]}],
                 "outputs":[{"name":"OUTPUT0","datatype":"INT32","shape":[1,16]},{"name":"OUTPUT1","datatype":"INT32","shape":[1,16]}]}""";
        JSONAssert.assertEquals(expected, http.get("/v2/models/simple").text(), true);
        JSONAssert.assertEquals(expected, http.get("/v2/models/simple/versions/1").text(), true);
        assertThat(http.get("/v2/models/mymodel").text()).doesNotContain("versions");
    }

    @Test
    void unknownModelsAndVersionsShouldBe404WithTheProtocolsErrorObject() throws IOException {
        assertThat(http.get("/v2/models/nope")).satisfies(answer -> {
            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.text()).isEqualTo("{\"error\":\"unknown model 'nope' (models: [mymodel, simple])\"}");
        });
        assertThat(http.get("/v2/models/simple/versions/7").text())
                .isEqualTo("{\"error\":\"model 'simple' has no version '7' (versions: [1])\"}");
        assertThat(http.get("/v2/models/nope/ready").status()).isEqualTo(404);
        assertThat(http.post("/v2/models/nope/infer", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        assertThat(http.post("/v2/models/simple/versions/2/infer", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
    }

    /** {@code tritonclient.http}'s get_model_repository_index(): a POST with an empty body. */
    @Test
    void theRepositoryIndexShouldListEveryModelWithItsState() throws Exception {
        simple.ready = false;
        RawHttp.Response all = http.post("/v2/repository/index", new byte[0]);
        assertThat(all.status()).isEqualTo(200);
        JSONAssert.assertEquals("""
                [{"name":"mymodel","state":"READY","reason":""},
                 {"name":"simple","version":"1","state":"UNAVAILABLE","reason":"the model says it is not ready"}]""",
                all.text(), true);
        JSONAssert.assertEquals("[{\"name\":\"mymodel\",\"state\":\"READY\",\"reason\":\"\"}]",
                http.post("/v2/repository/index", "{\"ready\":true}".getBytes(StandardCharsets.UTF_8),
                        "Content-Type: application/json").text(), true);
        RawHttp.Response bad = http.post("/v2/repository/index", "{\"ready\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text()).isEqualTo("{\"error\":\"'ready' must be true or false\"}");
    }
}
