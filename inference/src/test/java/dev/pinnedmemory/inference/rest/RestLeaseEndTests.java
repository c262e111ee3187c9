package dev.pinnedmemory.inference.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every lease of a REST request ends exactly once, whatever ends the request: the client going away mid-body
 * (binary or JSON) or before reading the answer, the model throwing after it rented an output, validation
 * refusing after some inputs were read, many requests at once. The pool's books (returns against rents, none
 * in use, no leak) and the observer (one end per request) say so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestLeaseEndTests {

    private final ConcurrentLinkedQueue<InferenceObserver.CompletedRequest> completed = new ConcurrentLinkedQueue<>();
    private PinnedMemoryPool<byte[]> pool;
    private RestTestServer server;

    @BeforeAll
    void start() {
        pool = TestPools.tensors(32 << 20);
        List<InferenceModel> models = new ArrayList<>(List.of(ProtocolModels.simple(pool), throwingAfterRent(), large()));
        models.addAll(ProtocolModels.echoes());
        server = new RestTestServer(pool, models, InferenceLimits.DEFAULTS, completed::add);
    }

    @BeforeEach
    void clear() {
        TestPools.assertBalanced(pool);
        completed.clear();
    }

    @AfterAll
    void stop() {
        server.close();
        pool.close();
    }

    @Test
    void aClientGoneMidBinaryBodyShouldEndItsLeases() throws IOException {
        long rents = pool.stats().rents();
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}},"
                + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        try (RawHttp http = server.client()) {
            http.send(RawHttp.head("/v2/models/simple/infer", json.length + 128L, "Inference-Header-Content-Length: " + json.length));
            http.send(json);
            http.send(new byte[64 + 10]);   // all of INPUT0, part of INPUT1
            await().until(() -> pool.stats().rents() == rents + 2);
            http.abort();
        }
        assertEndedOnce(rents + 2);
        assertThat(completed).extracting(InferenceObserver.CompletedRequest::outcome).containsAnyOf("aborted", "invalid-argument");
    }

    @Test
    void aClientGoneMidJsonDataShouldEndItsLease() throws IOException {
        long rents = pool.stats().rents();
        try (RawHttp http = server.client()) {
            http.send(RawHttp.head("/v2/models/echo_fp32/infer", 1_000_000, "Content-Type: application/json"));
            StringBuilder start = new StringBuilder("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[100000],\"datatype\":\"FP32\",\"data\":[");
            for (int i = 0; i < 20_000; i++) {
                start.append(i).append(".5,");
            }
            http.send(start.toString().getBytes(StandardCharsets.UTF_8));
            await().until(() -> pool.stats().rents() == rents + 1);
            http.abort();
        }
        assertEndedOnce(rents + 1);
    }

    @Test
    void aClientThatLeavesBeforeReadingTheAnswerShouldNotKeepALease() throws IOException {
        long rents = pool.stats().rents();
        try (RawHttp http = new RawHttp(server.port(), 4096)) {
            // 24 MB: more than the socket buffers of both ends hold, so the server is still writing when the client leaves.
            byte[] body = "{\"inputs\":[{\"name\":\"N\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[24000000]}],\"parameters\":{\"binary_data_output\":true}}"
                    .getBytes(StandardCharsets.UTF_8);
            http.send(RawHttp.head("/v2/models/large/infer", body.length));
            http.send(body);
            await().until(() -> pool.stats().rents() == rents + 2);   // the model answered: its 24 MB are being written
            http.abort();
        }
        assertEndedOnce(rents + 2);
        assertThat(completed).extracting(InferenceObserver.CompletedRequest::outcome).containsExactly("aborted");
    }

    @Test
    void aModelThatThrowsAfterRentingAnOutputShouldEndEveryLease() throws IOException {
        long rents = pool.stats().rents();
        try (RawHttp http = server.client()) {
            RawHttp.Response answer = http.post("/v2/models/throwing/infer",
                    "{\"inputs\":[{\"name\":\"X\",\"shape\":[4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}".getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).isEqualTo(500);
        }
        assertEndedOnce(rents + 2);
        assertThat(completed).extracting(InferenceObserver.CompletedRequest::outcome).containsExactly("model-failed");
    }

    @Test
    void aRefusalAfterSomeInputsWereReadShouldEndTheirLeases() throws IOException {
        long rents = pool.stats().rents();
        try (RawHttp http = server.client()) {
            String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":[1,2,3,4,5,6,7,8,9,10,11,12,"
                    + "13,14,15,16]},{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":[1,2,3,\"four\"]}]}";
            RawHttp.Response answer = http.post("/v2/models/simple/infer", header.getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.text()).contains("input 'INPUT1' (INT32) element 3: a string \\\"four\\\" is not a INT32");
        }
        assertEndedOnce(rents + 2);
        try (RawHttp http = server.client()) {
            RawHttp.Response answer = http.postBinary("/v2/models/echo_bool/infer", "{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[3],"
                    + "\"datatype\":\"BOOL\",\"parameters\":{\"binary_data_size\":3}}]}", new byte[] {1, 0, 7});
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.text()).contains("input 'INPUT' (BOOL, shape [3]): BOOL element 2 is 7 (expected: 0 or 1)");
        }
        assertEndedOnce(rents + 3, 2);
    }

    @Test
    void manyConcurrentRequestsShouldEachEndTheirLeasesOnce() throws Exception {
        long rents = pool.stats().rents();
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}},"
                + "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":64}}],"
                + "\"parameters\":{\"binary_data_output\":true}}";
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                results.add(clients.submit(() -> {
                    int ok = 0;
                    try (RawHttp http = server.client()) {
                        for (int i = 0; i < 25; i++) {
                            ok += http.postBinary("/v2/models/simple/infer", header, new byte[128]).status() == 200 ? 1 : 0;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(25);
            }
        } finally {
            clients.shutdownNow();
        }
        assertEndedOnce(rents + 8 * 25 * 4, 200);
        assertThat(completed).hasSize(200).allSatisfy(request -> assertThat(request.outcome()).isEqualTo("success"));
    }

    /**
     * Waits for the requests to end, then checks that exactly {@code rents} rents happened in all and each
     * came back once, and that each request ended once.
     */
    private void assertEndedOnce(long rents, int requests) {
        await().atMost(Duration.ofSeconds(10)).until(() -> completed.size() >= requests);
        TestPools.assertBalanced(pool);
        assertThat(pool.stats().rents()).isEqualTo(rents);
        assertThat(completed).as("one end per request").hasSize(requests);
    }

    private void assertEndedOnce(long rents) {
        assertEndedOnce(rents, 1);
    }

    /** A model that rents an output lease, adds it to its response, then throws. */
    private InferenceModel throwingAfterRent() {
        return new TestModels.Scripted(new ModelMetadata("throwing", List.of(), "java",
                List.of(new TensorMetadata("X", "FP32", List.of(-1L))), List.of(new TensorMetadata("Y", "FP32", List.of(-1L)))),
                request -> {
                    PinnedBuffer<byte[]> output = pool.rent(16);
                    InferenceResponse.builder().output("Y", "FP32", new long[] {4}, output);
                    throw new IllegalStateException("out of CUDA memory");
                });
    }

    /** A model answering N bytes of floats (N its INT32 input) in a lease: a response larger than the socket buffers. */
    private InferenceModel large() {
        return new TestModels.Scripted(new ModelMetadata("large", List.of(), "java",
                List.of(new TensorMetadata("N", "INT32", List.of(1L))), List.of(new TensorMetadata("Y", "FP32", List.of(-1L)))),
                request -> {
                    int n = request.input("N").data().get(ProtocolModels.INT, 0);
                    PinnedBuffer<byte[]> output = pool.rent(n);
                    return InferenceResponse.builder().output("Y", "FP32", new long[] {n / 4}, output).build();
                });
    }
}
