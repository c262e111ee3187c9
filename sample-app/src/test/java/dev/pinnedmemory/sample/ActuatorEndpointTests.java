package dev.pinnedmemory.sample;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exposed Actuator endpoints: open reads of pools, health, metrics and Prometheus; a resize
 * only for role ADMIN.
 */
class ActuatorEndpointTests extends RunningServiceTests {

    private static final String FRAMES = "/actuator/pinnedmemory/frames";

    @Test
    void getPinnedMemoryShouldShowBackendAndBothPoolsWithoutCredentials() {
        SampleClient.Answer answer = client.get("/actuator/pinnedmemory");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode body = answer.json();
        assertThat(body.path("backend").path("name").asString()).isEqualTo(frames.backend().name());
        assertThat(body.path("backend").path("pageLocked").asBoolean()).isEqualTo(frames.backend().pageLocked());
        assertThat(body.path("pools").propertyNames()).containsExactlyInAnyOrder("frames", "tensors", "labels");
        JsonNode framesStats = body.path("pools").path("frames");
        assertThat(framesStats.path("elementType").asString()).isEqualTo("FLOAT");
        assertThat(framesStats.path("bufferBytes").asLong()).isEqualTo(FRAME_BYTES);
        assertThat(framesStats.path("inUse").asLong()).isZero();
        assertThat(body.path("pools").path("labels").path("elementType").asString()).isEqualTo("INT");
    }

    @Test
    void getOnePoolShouldShowItsStatsAndAnUnknownPoolShouldBe404() {
        SampleClient.Answer frames = client.get(FRAMES);
        SampleClient.Answer unknown = client.get("/actuator/pinnedmemory/nope");

        assertThat(frames.status()).isEqualTo(200);
        assertThat(frames.json().path("bufferLength").asLong()).isEqualTo(FRAME_BYTES / Float.BYTES);
        assertThat(unknown.status()).isEqualTo(404);
    }

    @Test
    void statsShouldNotLeakAddresses() {
        String body = client.get("/actuator/pinnedmemory").body();

        assertThat(body).doesNotContainPattern("0x[0-9a-fA-F]{6,}").doesNotContain("address");
    }

    @Test
    void resizeWithoutCredentialsShouldBe401AndChangeNothing() {
        SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", null);

        assertThat(answer.status()).isEqualTo(401);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void resizeWithWrongPasswordShouldBe401() {
        SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", "admin:guess");

        assertThat(answer.status()).isEqualTo(401);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void resizeByAnAccountWithoutRoleAdminShouldBe403() {
        SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", SampleClient.VIEWER);

        assertThat(answer.status()).isEqualTo(403);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void resizeByAdminShouldApplyAndAnswerTheNewStats() {
        try {
            SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", SampleClient.ADMIN);

            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("bufferBytes").asLong()).isEqualTo(128 * 1024);
            assertThat(frames.stats().bufferBytes()).isEqualTo(128 * 1024);
            SampleClient.Answer bigger = client.post("/api/batches", SampleClient.OCTET_STREAM,
                    Floats.ramp(FRAME_BYTES / Float.BYTES * 2), null);
            assertThat(bigger.status()).as("a batch that only fits after the resize").isEqualTo(200);
        } finally {
            restoreFrames();
        }
    }

    @Test
    void healthShouldBeUpAndReady() {
        assertThat(client.get("/actuator/health").json().path("status").asString()).isEqualTo("UP");
        assertThat(client.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(client.get("/actuator/health/liveness").status()).isEqualTo(200);
    }

    @Test
    void prometheusShouldExposePoolMeters() {
        client.post("/api/batches", SampleClient.OCTET_STREAM, Floats.ramp(8), null);

        SampleClient.Answer answer = client.get("/actuator/prometheus");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("pinned_memory_pool_buffers", "pool=\"frames\"", "pool=\"labels\"",
                "pinned_memory_pool_bytes", "pinned_memory_pool_rents");
    }

    @Test
    void metricsShouldListPoolMeters() {
        SampleClient.Answer answer = client.get("/actuator/metrics/pinned.memory.pool.buffers");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("frames");
    }

    @Test
    void endpointsThatAreNotExposedShouldStayClosed() {
        for (String credentials : new String[] {null, SampleClient.ADMIN}) {
            for (String path : new String[] {"/actuator/env", "/actuator/heapdump", "/actuator/beans"}) {
                SampleClient.Answer answer = client.get(path, credentials);
                assertThat(answer.status()).as(path).isIn(401, 403, 404);
                assertThat(answer.body()).as(path).doesNotContain("propertySources", "contexts");
            }
        }
    }
}
