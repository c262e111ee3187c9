package dev.pinnedmemory.actuate;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import com.jayway.jsonpath.JsonPath;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated bad input against the write operation, concurrent resizes, and what reads may reveal:
 * only 4xx answers, never 5xx, pools consistent and within budget, no addresses in any answer.
 */
@SpringBootTest(classes = PinnedMemoryTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=pinnedmemory,health",
        "management.endpoint.pinnedmemory.access=unrestricted",
        "management.endpoint.health.show-details=always",
        "pinned-memory.max-total-size=1MB",
        "pinned-memory.pools.target.element-type=short",
        "pinned-memory.pools.target.buffer-size=4KB",
        "pinned-memory.pools.target.initial-size=1",
        "pinned-memory.pools.target.max-size=4" })
class PinnedMemoryEndpointHostileInputTests {

    @LocalServerPort
    private int port;

    @Autowired
    @Qualifier("target")
    private PinnedMemoryPool<short[]> target;

    @Autowired
    private MemoryBudget budget;

    static List<String> hostileBodies() {
        List<String> bodies = new ArrayList<>();
        for (String size : List.of("-1", "-1B", "0", "0B", "-4KB", "3B", "4097B", "1TB", "2MB", "9223372036854775807B",
                "99999999999999999999B", "abc", "", " ", "4XB", "KB", "4.5KB", "1e3", "NaN", "0x10", "--4KB", "4KB;drop")) {
            bodies.add("{\"bufferSize\": \"" + size + "\"}");
        }
        bodies.addAll(List.of("{\"bufferSize\": -4096}", "{\"bufferSize\": 0}", "{\"bufferSize\": 1.5}",
                "{\"bufferSize\": true}", "{\"bufferSize\": []}", "{\"bufferSize\": {}}", "{\"bufferSize\": 1e30}",
                "{", "}", "null", "[]", "\"8KB\"", "{\"bufferSize\": \"8KB\"", "not json at all",
                "{\"bufferSize\": \"8KB\", \"bufferSize\": \"-1\"}", "\u0000\u0001"));
        return bodies;
    }

    @Test
    void everyHostileBodyShouldGet4xxAndLeaveThePoolAsItWas() throws Exception {
        PoolStats before = this.target.stats();
        for (String body : hostileBodies()) {
            HttpResponse<String> response = post("/actuator/pinnedmemory/target", body, "application/json");
            assertThat(response.statusCode()).as("status for %s (%s)", body, response.body()).isBetween(400, 499);
            assertUnchanged(before);
        }
        for (String contentType : List.of("text/plain", "application/xml", "application/octet-stream")) {
            HttpResponse<String> response = post("/actuator/pinnedmemory/target", "{\"bufferSize\": \"8KB\"}", contentType);
            assertThat(response.statusCode()).as("status for content type %s", contentType).isBetween(400, 499);
            assertUnchanged(before);
        }
        for (String pool : List.of("nope", "TARGET", "target%20", "%2e%2e", "x".repeat(2000))) {
            HttpResponse<String> response = post("/actuator/pinnedmemory/" + pool, "{\"bufferSize\": \"8KB\"}", "application/json");
            assertThat(response.statusCode()).as("status for pool %s", pool).isBetween(400, 499);
        }
        assertUnchanged(before);
    }

    @Test
    void concurrentResizesWithGoodAndBadSizesShouldOnlyGet200Or400AndKeepThePoolConsistent() throws Exception {
        List<String> sizes = List.of("8KB", "2KB", "lots", "2MB", "16KB", "-1", "4KB");
        Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 14; i++) {
                        String size = sizes.get((i + offset) % sizes.size());
                        int status = post("/actuator/pinnedmemory/target", "{\"bufferSize\": \"" + size + "\"}",
                                "application/json").statusCode();
                        if (status != 200 && status != 400) {
                            unexpected.add(size + " -> " + status);
                        }
                    }
                } catch (Exception e) {
                    unexpected.add(e.toString());
                }
            }));
        }
        threads.add(Thread.ofPlatform().start(() -> {
            try {
                start.await();
                for (int i = 0; i < 200; i++) {
                    try (PinnedBuffer<short[]> buffer = this.target.rent()) {
                        buffer.fill(i);
                    }
                }
            } catch (Exception e) {
                unexpected.add(e.toString());
            }
        }));
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(unexpected).isEmpty();
        PoolStats quiet = this.target.stats();
        assertThat(quiet.inUse()).isZero();
        assertThat(quiet.allocated()).isEqualTo(quiet.idle());
        assertThat(quiet.pinnedBytes()).isEqualTo(quiet.idle() * quiet.bufferBytes());
        assertThat(quiet.bufferBytes()).isIn(2048L, 4096L, 8192L, 16384L);
        assertThat(this.budget.usedBytes()).isLessThanOrEqualTo(this.budget.limitBytes()).isEqualTo(quiet.pinnedBytes());
        this.target.resize(2048);
    }

    @Test
    void readsShouldRevealOnlyTheDocumentedFieldsAndNoAddress() throws Exception {
        try (PinnedBuffer<short[]> rented = this.target.rent()) {
            String all = get("/actuator/pinnedmemory").body();
            String one = get("/actuator/pinnedmemory/target").body();
            String health = get("/actuator/health/pinnedMemory").body();
            Map<String, Object> backend = JsonPath.parse(all).read("$.backend");
            assertThat(backend).containsOnlyKeys("name", "pageLocked", "requested", "skipped", "cudaDeviceCount",
                    "cudaDeviceName");
            Map<String, Object> root = JsonPath.parse(all).read("$");
            assertThat(root).containsOnlyKeys("backend", "pools", "budget");
            for (String body : List.of(all, one, health)) {
                assertThat(body).doesNotContain(Long.toString(rented.address()))
                        .doesNotContainIgnoringCase(Long.toHexString(rented.address()))
                        .doesNotContainIgnoringCase("address").doesNotContain("Exception").doesNotContain("dev.pinnedmemory");
            }
        }
    }

    private void assertUnchanged(PoolStats before) {
        PoolStats now = this.target.stats();
        assertThat(now.bufferBytes()).isEqualTo(before.bufferBytes());
        assertThat(now.idle()).isEqualTo(before.idle());
        assertThat(now.pinnedBytes()).isEqualTo(before.pinnedBytes());
        assertThat(this.budget.usedBytes()).isLessThanOrEqualTo(this.budget.limitBytes());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return new EndpointHttp(this.port).get(path);
    }

    private HttpResponse<String> post(String path, String body, String contentType) throws IOException, InterruptedException {
        return new EndpointHttp(this.port).post(path, body, contentType);
    }
}
