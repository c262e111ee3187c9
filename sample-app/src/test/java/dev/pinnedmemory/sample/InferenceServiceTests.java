package dev.pinnedmemory.sample;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample as an Open Inference Protocol service: the scale_sum model over REST with binary and JSON
 * tensors (the README's two curl calls), its metadata, health, the repository index, the inference endpoint
 * and meters, and the refusals of the test profile's small tensors pool (64KB).
 */
class InferenceServiceTests extends RunningServiceTests {

    /** What the README's binary call sends: INPUT [1, 2, 3, 4] and SCALE [0.5], SCALED asked for as JSON. */
    static final String BINARY_HEADER = "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[4],\"datatype\":\"FP32\",\"parameters\":"
            + "{\"binary_data_size\":16}},{\"name\":\"SCALE\",\"shape\":[1],\"datatype\":\"FP32\",\"parameters\":"
            + "{\"binary_data_size\":4}}]}";

    @Autowired
    @Qualifier("tensors")
    PinnedMemoryPool<byte[]> tensors;

    @AfterEach
    void tensorsQuiet() {
        org.awaitility.Awaitility.await().until(() -> tensors.stats().inUse() == 0);
        assertPoolsQuietAndWhole(BUDGET_BYTES, tensors);
    }

    @Test
    void aBinaryRequestShouldBeScaledAndSummed() {
        HttpResponse<byte[]> answer = client.postInference("/v2/models/scale_sum/infer", BINARY_HEADER, floats(1, 2, 3, 4, 0.5f));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("{\"model_name\":\"scale_sum\",\"model_version\":\"1\","
                + "\"parameters\":{\"device\":\"none (host copy)\"},\"outputs\":[{\"name\":\"SCALED\",\"datatype\":\"FP32\",\"shape\":[4],"
                + "\"data\":[0.5,1.0,1.5,2.0]},{\"name\":\"SUM\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[5.0]}]}");
        assertThat(tensors.stats().rents()).as("two inputs and the SCALED output").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aJsonRequestShouldGetBinaryOutputsWhenItAsks() {
        HttpResponse<byte[]> answer = client.postInference("/v2/models/scale_sum/versions/1/infer", "{\"inputs\":["
                + "{\"name\":\"INPUT\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"SCALE\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}],\"parameters\":{\"binary_data_output\":true}}",
                new byte[0]);
        assertThat(answer.statusCode()).isEqualTo(200);
        int headerLength = Integer.parseInt(answer.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(new String(answer.body(), 0, headerLength, StandardCharsets.UTF_8)).contains(
                "{\"name\":\"SCALED\",\"datatype\":\"FP32\",\"shape\":[4],\"parameters\":{\"binary_data_size\":16}}");
        ByteBuffer binary = ByteBuffer.wrap(answer.body(), headerLength, 20).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {binary.getFloat(), binary.getFloat(), binary.getFloat(), binary.getFloat(), binary.getFloat()})
                .containsExactly(2, 4, 6, 8, 20);
    }

    @Test
    void aJsonRequestShouldBeAnsweredInJson() {
        SampleClient.Answer answer = client.postJson("/v2/models/scale_sum/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[4],"
                + "\"datatype\":\"FP32\",\"data\":[1,2,3,4]},{\"name\":\"SCALE\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[0.5]}]}", null);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("outputs").get(1).path("data").get(0).asDouble()).isEqualTo(5.0);
    }

    @Test
    void aTensorLargerThanTheTensorsPoolShouldBe413() {
        HttpResponse<byte[]> answer = client.postInference("/v2/models/scale_sum/infer", BINARY_HEADER
                .replace("\"shape\":[4]", "\"shape\":[20000]").replace(":16}", ":80000}"), new byte[80_004]);
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"input 'INPUT' (FP32, shape [20000]): "
                + "80000 bytes, larger than the largest buffer of pool 'tensors' (65536 bytes)\"}");
    }

    @Test
    void metadataHealthIndexAndOperationsShouldDescribeTheModel() {
        assertThat(client.get("/v2").json().path("extensions").get(0).asString()).isEqualTo("binary_tensor_data");
        assertThat(client.get("/v2/models/scale_sum").json().path("inputs").get(0).path("name").asString()).isEqualTo("INPUT");
        assertThat(client.get("/v2/health/ready").status()).isEqualTo(200);
        assertThat(client.get("/v2/models/scale_sum/ready").status()).isEqualTo(200);
        assertThat(client.post("/v2/repository/index", null, new byte[0], null).json().get(0).path("state").asString())
                .isEqualTo("READY");
        assertThat(client.get("/actuator/inference").json().path("models").path("scale_sum").path("ready").asBoolean()).isTrue();
        assertThat(client.get("/actuator/health").json().path("components").path("inference").path("status").asString())
                .isEqualTo("UP");
        client.postInference("/v2/models/scale_sum/infer", BINARY_HEADER, floats(1, 2, 3, 4, 0.5f));
        assertThat(client.get("/actuator/prometheus").body()).contains(
                "pinned_memory_inference_requests_seconds_count{model=\"scale_sum\",outcome=\"success\",version=\"1\"}");
    }

    private static byte[] floats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }
}
