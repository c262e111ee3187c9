package dev.pinnedmemory.actuate;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = PinnedMemoryTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=pinnedmemory,health,metrics",
        "management.endpoint.pinnedmemory.access=unrestricted",
        "management.endpoint.health.show-details=always",
        "pinned-memory.max-total-size=2MB",
        "pinned-memory.pools.frames.element-type=float",
        "pinned-memory.pools.frames.buffer-size=64KB",
        "pinned-memory.pools.frames.initial-size=2",
        "pinned-memory.pools.frames.max-size=4",
        "pinned-memory.pools.ids.element-type=int",
        "pinned-memory.pools.ids.buffer-size=4KB",
        "pinned-memory.pools.resizable.element-type=short",
        "pinned-memory.pools.resizable.buffer-size=4KB" })
class PinnedMemoryEndpointHttpTests {

    @LocalServerPort
    private int port;

    @Autowired
    @Qualifier("frames")
    private PinnedMemoryPool<float[]> frames;

    @Autowired
    @Qualifier("ids")
    private PinnedMemoryPool<int[]> ids;

    @Autowired
    private PinnedMemoryPool<short[]> resizable;

    @Test
    void getShouldListBackendAndEveryPool() throws Exception {
        HttpResponse<String> response = get("/actuator/pinnedmemory");
        assertThat(response.statusCode()).isEqualTo(200);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.backend.name", String.class)).isEqualTo(this.frames.backend().name());
        assertThat(json.read("$.backend.requested", String.class)).isEqualTo("auto");
        assertThat(json.read("$.backend.pageLocked", Boolean.class)).isEqualTo(this.frames.backend().pageLocked());
        assertThat(keys(json, "$.backend.skipped")).isNotNull();
        assertThat(json.read("$.backend.cudaDeviceCount", Integer.class)).isNotNull();
        assertThat(keys(json, "$.pools")).containsExactly("frames", "ids", "resizable");
        assertThat(json.read("$.pools.frames.elementType", String.class)).isEqualTo("FLOAT");
        assertThat(json.read("$.pools.frames.initialSize", Integer.class)).isEqualTo(2);
        assertThat(json.read("$.pools.frames.maxSize", Integer.class)).isEqualTo(4);
        assertThat(json.read("$.pools.ids.bufferBytes", Long.class)).isEqualTo(4096L);
        assertThat(json.read("$.pools.ids.bufferLength", Integer.class)).isEqualTo(1024);
        assertThat(keys(json, "$.pools.ids")).containsExactlyInAnyOrder("elementType", "bufferLength",
                "bufferBytes", "initialSize", "maxSize", "clearOnReturn", "idle", "inUse", "allocated", "rents", "returns",
                "hits", "misses", "dropped", "leaks", "pinnedBytes", "pageLocked", "fenced", "waiting", "waits",
                "waitTimeouts", "requestedBytes", "backingBytes", "sizeClasses", "numaNode", "peakPinnedBytes", "peakInUse",
                "allocations", "allocationNanos", "maxAllocationNanos", "frees", "freeNanos", "maxFreeNanos",
                "stuckFences", "oldestFenceAgeNanos", "fenceWarnAfterNanos");
    }

    @Test
    void getOneShouldReturnThatPoolsStats() throws Exception {
        HttpResponse<String> response = get("/actuator/pinnedmemory/ids");
        assertThat(response.statusCode()).isEqualTo(200);
        DocumentContext json = JsonPath.parse(response.body());
        PoolStats stats = this.ids.stats();
        assertThat(json.read("$.elementType", String.class)).isEqualTo("INT");
        assertThat(json.read("$.bufferBytes", Long.class)).isEqualTo(stats.bufferBytes());
        assertThat(json.read("$.idle", Integer.class)).isEqualTo(stats.idle());
        assertThat(json.read("$.pageLocked", Boolean.class)).isEqualTo(stats.pageLocked());
    }

    @Test
    void getUnknownPoolShouldBeNotFound() throws Exception {
        assertThat(get("/actuator/pinnedmemory/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void postShouldResizeAndNextRentShouldHaveTheNewSize() throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/resizable", "{\"bufferSize\": \"8KB\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.elementType", String.class)).isEqualTo("SHORT");
        assertThat(json.read("$.bufferBytes", Long.class)).isEqualTo(8192L);
        assertThat(json.read("$.bufferLength", Integer.class)).isEqualTo(4096);
        try (PinnedBuffer<short[]> buffer = this.resizable.rent()) {
            assertThat(buffer.length()).isEqualTo(4096);
            assertThat(buffer.byteSize()).isEqualTo(8192);
        }
        assertThat(get("/actuator/pinnedmemory/resizable").body()).contains("\"bufferBytes\":8192");
    }

    @Test
    void postUnknownPoolShouldBeNotFoundWithReason() throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/nope", "{\"bufferSize\": \"8KB\"}");
        assertThat(response.statusCode()).isEqualTo(404);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.error", String.class)).isEqualTo("no pool named 'nope' (known: [frames, ids, resizable])");
        assertThat(json.read("$.pool", String.class)).isEqualTo("nope");
        assertThat(json.read("$.value", String.class)).isEqualTo("8KB");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"bufferSize\": \"-4KB\"}",
            "{\"bufferSize\": \"0\"}",
            "{\"bufferSize\": \"0KB\"}",
            "{\"bufferSize\": \"lots\"}",
            "{\"bufferSize\": \"8 parsecs\"}",
            "{\"bufferSize\": \"8XB\"}",
            "{\"bufferSize\": \"1.5MB\"}",
            "{\"bufferSize\": \"\"}",
            "{\"bufferSize\": \"4097B\"}",
            "{\"bufferSize\": \"16GB\"}",
            "{\"bufferSize\": \"4MB\"}",
            "{\"bufferSize\": null}",
            "{\"bufferSize\": {\"nested\": 1}}",
            "{\"bufferSize\": [1, 2]}",
            "{\"size\": \"8KB\"}",
            "{}",
            "",
            "not json",
            "{\"bufferSize\": \"8KB\"",
            "[\"8KB\"]" })
    void postBadInputShouldBeBadRequestAndLeaveThePoolUnchanged(String body) throws Exception {
        PoolStats before = this.frames.stats();
        HttpResponse<String> response = post("/actuator/pinnedmemory/frames", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        PoolStats after = this.frames.stats();
        assertThat(after.bufferBytes()).isEqualTo(before.bufferBytes());
        assertThat(after.idle()).isEqualTo(before.idle());
        assertThat(after.pinnedBytes()).isEqualTo(before.pinnedBytes());
        try (PinnedBuffer<float[]> buffer = this.frames.rent()) {
            assertThat(buffer.byteSize()).isEqualTo(before.bufferBytes());
        }
    }

    @Test
    void postSizeThatIsNotAMultipleOfTheElementSizeShouldSayWhy() throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/frames", "{\"bufferSize\": \"4097B\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.error", String.class))
                .isEqualTo("bufferSize must be a multiple of 4 bytes (the size of float) but was 4097B");
        assertThat(json.read("$.pool", String.class)).isEqualTo("frames");
        assertThat(json.read("$.value", String.class)).isEqualTo("4097B");
    }

    @Test
    void postSizeOverTheBudgetShouldSayWhy() throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/frames", "{\"bufferSize\": \"4MB\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(response.body()).read("$.error", String.class))
                .startsWith("pinned memory budget exceeded: requested 8388608 bytes")
                .contains("bytes idle in pool 'frames' would be given back, limit 2097152 bytes");
    }

    @Test
    void postNonNumericSizeShouldSayWhy() throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/frames", "{\"bufferSize\": \"lots\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(response.body()).read("$.error", String.class))
                .isEqualTo("bufferSize must be a data size such as 4096B, 512KB or 8MB");
    }

    @Test
    void metersShouldBeVisibleInTheMetricsEndpoint() throws Exception {
        HttpResponse<String> response = get("/actuator/metrics/pinned.memory.pool.buffers?tag=pool:frames&tag=state:idle");
        assertThat(response.statusCode()).isEqualTo(200);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.name", String.class)).isEqualTo("pinned.memory.pool.buffers");
        assertThat(json.read("$.measurements[0].value", Double.class)).isEqualTo(this.frames.stats().idle());
        List<String> names = JsonPath.read(get("/actuator/metrics").body(), "$.names");
        assertThat(names).contains("pinned.memory.pool.buffers", "pinned.memory.pool.bytes", "pinned.memory.pool.rents",
                "pinned.memory.leaks");
    }

    @Test
    void healthShouldShowThePinnedMemoryComponent() throws Exception {
        HttpResponse<String> response = get("/actuator/health/pinnedMemory");
        assertThat(response.statusCode()).isEqualTo(200);
        DocumentContext json = JsonPath.parse(response.body());
        assertThat(json.read("$.status", String.class)).isEqualTo("UP");
        assertThat(json.read("$.details.backend", String.class)).isEqualTo(this.frames.backend().name());
        assertThat(keys(json, "$.details.pools")).containsExactly("frames", "ids", "resizable");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "{}", "{\"size\": \"8KB\"}", "{\"bufferSize\": null}", "" })
    void postWithoutBufferSizeShouldSayItIsRequired(String body) throws Exception {
        HttpResponse<String> response = post("/actuator/pinnedmemory/frames", body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(response.body()).read("$.error", String.class))
                .isEqualTo("bufferSize is required, e.g. {\"bufferSize\": \"8MB\"}");
    }

    private static Set<String> keys(DocumentContext json, String path) {
        Map<String, Object> object = json.read(path);
        return object.keySet();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return new EndpointHttp(this.port).get(path);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return new EndpointHttp(this.port).post(path, body);
    }
}
