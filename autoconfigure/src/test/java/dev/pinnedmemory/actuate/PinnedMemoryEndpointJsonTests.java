package dev.pinnedmemory.actuate;

import java.net.http.HttpResponse;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoint's JSON is Actuator's, not the application's: with the application's Jackson set to snake_case
 * property names, every response keeps the field names of the contract ({@code pageLocked}, {@code limitBytes},
 * {@code peakPinnedBytes}, the refusal's {@code error}), because the responses implement
 * {@code OperationResponseBody} and Actuator serializes those with its own mapper; nulls stay in, as documented.
 */
@SpringBootTest(classes = PinnedMemoryTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.jackson.property-naming-strategy=SNAKE_CASE",
        "management.endpoints.web.exposure.include=pinnedmemory",
        "management.endpoint.pinnedmemory.access=unrestricted",
        "pinned-memory.max-total-size=1MB",
        "pinned-memory.pools.frames.element-type=float",
        "pinned-memory.pools.frames.buffer-size=4KB"})
class PinnedMemoryEndpointJsonTests {

    @LocalServerPort
    private int port;

    @Test
    void wholeEndpointShouldKeepItsFieldNamesWhateverTheApplicationsJacksonSays() throws Exception {
        DocumentContext json = ok(http().get("/actuator/pinnedmemory"));

        assertThat(json.read("$.backend.pageLocked", Boolean.class)).isNotNull();
        assertThat(json.read("$.backend.cudaDeviceCount", Integer.class)).isNotNull();
        assertThat(json.read("$.backend", java.util.Map.class)).containsKey("cudaDeviceName");
        assertThat(json.read("$.budget.limitBytes", Long.class)).isEqualTo(1L << 20);
        assertThat(json.read("$.pools.frames.bufferBytes", Long.class)).isEqualTo(4096);
    }

    @Test
    void onePoolPeaksAndRefusalsShouldKeepTheirFieldNamesToo() throws Exception {
        assertThat(ok(http().get("/actuator/pinnedmemory/frames")).read("$.bufferBytes", Long.class)).isEqualTo(4096);
        assertThat(ok(http().get("/actuator/pinnedmemory/frames/peaks")).read("$.peakPinnedBytes", Long.class)).isNotNull();

        HttpResponse<String> refused = http().post("/actuator/pinnedmemory/frames", "{\"bufferSize\": \"4097B\"}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(refused.body()).read("$.error", String.class)).startsWith("bufferSize must be");

        HttpResponse<String> missing = http().post("/actuator/pinnedmemory/frames", "{}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).as("a missing value is sent as null, as documented").contains("\"value\":null");
    }

    private EndpointHttp http() {
        return new EndpointHttp(port);
    }

    private static DocumentContext ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("page_locked", "buffer_bytes", "limit_bytes", "peak_pinned_bytes");
        return JsonPath.parse(response.body());
    }
}
