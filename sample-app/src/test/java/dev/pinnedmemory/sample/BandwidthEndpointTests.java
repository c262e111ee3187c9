package dev.pinnedmemory.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/bandwidth}: a measurement with a device, a plain "no device" without, 400 for bad sizes. */
class BandwidthEndpointTests extends RunningServiceTests {

    @Autowired
    CudaDevice cuda;

    @Test
    void getBandwidthShouldMeasureWithADeviceAndSaySoWithout() {
        SampleClient.Answer answer = client.get("/api/bandwidth?size=1MB&iterations=3");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode report = answer.json();
        assertThat(report.path("bytes").asLong()).isEqualTo(1024 * 1024);
        assertThat(report.path("backend").asString()).isEqualTo(frames.backend().name());
        if (cuda.present()) {
            assertThat(report.path("devicePresent").asBoolean()).isTrue();
            assertThat(report.path("pinnedGigabytesPerSecond").asDouble()).isPositive();
            assertThat(report.path("pageableGigabytesPerSecond").asDouble()).isPositive();
            assertThat(report.path("pinnedToPageableRatio").asDouble()).isPositive();
        } else {
            assertThat(report.path("devicePresent").asBoolean()).isFalse();
            assertThat(report.path("message").asString()).startsWith("no CUDA device: ")
                    .contains(cuda.absenceReason());
            assertThat(report.has("pinnedGigabytesPerSecond")).isFalse();
        }
    }

    @Test
    void getBandwidthWithoutSizeShouldUse64MB() {
        SampleClient.Answer answer = client.get("/api/bandwidth?iterations=1");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("bytes").asLong()).isEqualTo(64L * 1024 * 1024);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "64XB", "1.5MB", "MB", "-64MB", "-1", "0", "0KB", "512MB", "1TB",
            "99999999999999999999", "9223372036854775807GB", "%00", "64%20MB%20MB"})
    void getBandwidthWithBadSizeShouldBe400WithAReason(String size) {
        SampleClient.Answer answer = client.get("/api/bandwidth?size=" + size);

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.detail()).startsWith("'size' must be");
    }

    @Test
    void getBandwidthWithEmptySizeShouldBe400() {
        SampleClient.Answer answer = client.get("/api/bandwidth?size=");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.detail()).contains("'size'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "101", "ten", "2147483648"})
    void getBandwidthWithBadIterationsShouldBe400(String iterations) {
        SampleClient.Answer answer = client.get("/api/bandwidth?size=1MB&iterations=" + iterations);

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.detail()).startsWith("'iterations' must be a whole number from 1 to 100");
    }
}
