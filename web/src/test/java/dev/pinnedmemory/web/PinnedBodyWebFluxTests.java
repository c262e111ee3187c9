package dev.pinnedmemory.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @PinnedBody} on WebFlux handlers, {@code PinnedBuffer} and {@code Mono<PinnedBuffer>}, through
 * {@link WebTestClient} against a real Reactor Netty server serving {@link WebFluxIngestApplication}, a plain
 * Spring WebFlux application wired with {@link EnablePinnedBody}: values, sizes, refusals, and the end of each
 * lease (response written, handler threw, handler closed it, exchange cancelled, client gone mid-body).
 */
class PinnedBodyWebFluxTests {

    private static final int FRAME_BYTES = IngestPools.FRAME_BYTES;

    private static WebFluxServer server;
    private static int port;
    private static PinnedMemoryPool<float[]> frames;
    private static WebFluxIngestApplication.ReactiveIngestController controller;

    private WebTestClient client;

    @BeforeAll
    static void start() {
        server = WebFluxServer.start(WebFluxIngestApplication.class);
        port = server.port();
        frames = server.context().getBean(PinnedMemoryPools.class).get("frames", ElementType.FLOAT);
        controller = server.context().getBean(WebFluxIngestApplication.ReactiveIngestController.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        controller.received.clear();
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    @AfterEach
    void everyLeaseShouldBeBack() {
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 0);
        assertThat(controller.received).allSatisfy(lease -> assertThat(lease.isPinned()).isFalse());
    }

    private WebTestClient.ResponseSpec post(String path, byte[] body) {
        return client.post().uri(path).contentType(MediaType.APPLICATION_OCTET_STREAM).bodyValue(body).exchange();
    }

    @Test
    void bodyShouldArriveInALeaseOfExactlyItsElementsWithEveryValue() {
        PoolStats before = frames.stats();

        float[] values = post("/floats", Bodies.floats(1000)).expectStatus().isOk().expectBody(float[].class)
                .returnResult().getResponseBody();

        assertThat(values).containsExactly(Bodies.values(1000));
        assertThat(controller.received).singleElement().satisfies(lease -> assertThat(lease.length()).isEqualTo(1000));
        assertThat(frames.stats().requestedBytes() - before.requestedBytes()).isEqualTo(4000);
    }

    @Test
    void monoParameterShouldReadTheBodyWhenTheHandlerSubscribes() {
        post("/mono", Bodies.floats(100)).expectStatus().isOk().expectBody(String.class).isEqualTo("sum 2475.0 of 100");
    }

    @Test
    void chunkedBodyShouldBeHandedOverAsALeaseOfWhatArrived() {
        byte[] body = Bodies.floats(3000);
        DefaultDataBufferFactory factory = DefaultDataBufferFactory.sharedInstance;
        Flux<DataBuffer> chunks = Flux.range(0, 3).map(i -> factory.wrap(java.util.Arrays.copyOfRange(body, i * 4000,
                (i + 1) * 4000)));

        float[] values = client.post().uri("/floats").contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(chunks, DataBuffer.class).exchange().expectStatus().isOk().expectBody(float[].class)
                .returnResult().getResponseBody();

        assertThat(values).containsExactly(Bodies.values(3000));
        assertThat(controller.received).singleElement().satisfies(lease -> assertThat(lease.length()).isEqualTo(3000));
    }

    @Test
    void bodyOverTheLargestBufferShouldBe413WithAProblemDetail() {
        long rents = frames.stats().rents();

        post("/floats", new byte[FRAME_BYTES + 4]).expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").isEqualTo("body of 65540 bytes does not fit the largest 'frames' "
                        + "buffer of 65536 bytes (16384 float32 values); send smaller bodies or resize the pool")
                .jsonPath("$.pool").isEqualTo("frames").jsonPath("$.limitBytes").isEqualTo(65536);
        assertThat(frames.stats().rents()).isEqualTo(rents);
    }

    @Test
    void chunkedBodyOverTheLargestBufferShouldBe413AndGiveTheBufferBack() {
        DefaultDataBufferFactory factory = DefaultDataBufferFactory.sharedInstance;
        Flux<DataBuffer> chunks = Flux.range(0, 17).map(i -> factory.wrap(new byte[4096]));   // 68 KiB

        client.post().uri("/floats").contentType(MediaType.APPLICATION_OCTET_STREAM).body(chunks, DataBuffer.class)
                .exchange().expectStatus().isEqualTo(413).expectBody().jsonPath("$.detail").value(detail -> assertThat(
                        (String) detail).startsWith("body of more than 65536 bytes does not fit the largest 'frames' buffer"));
        assertThat(controller.received).isEmpty();
    }

    @Test
    void monoParameterShouldAnswerARefusalAsAProblemDetailToo() {
        post("/mono", new byte[4001]).expectStatus().isBadRequest().expectBody().jsonPath("$.pool").isEqualTo("frames")
                .jsonPath("$.bodyBytes").isEqualTo(4001);
        assertThat(controller.received).isEmpty();
    }

    @Test
    void emptyBodyAndPartialElementsShouldBe400() {
        post("/floats", new byte[0]).expectStatus().isBadRequest().expectBody().jsonPath("$.detail")
                .value(detail -> assertThat((String) detail).startsWith("empty body"));
        post("/floats", new byte[4001]).expectStatus().isBadRequest().expectBody().jsonPath("$.detail")
                .isEqualTo("body of 4001 bytes is not a whole number of float32 values (expected: a multiple of 4 bytes "
                        + "for pool 'frames')");
        assertThat(controller.received).isEmpty();
    }

    @Test
    void bodyWhenTheBudgetStaysSpentShouldBe503WithRetryAfter() {
        List<PinnedBuffer<float[]>> held = new ArrayList<>();
        try {
            for (int length : new int[] {frames.bufferSize(), frames.minBufferSize()}) {
                while (true) {
                    try {
                        held.add(frames.rent(length));
                    } catch (MemoryBudgetExceededException spent) {
                        break;
                    }
                }
            }
            post("/floats", Bodies.floats(1000)).expectStatus().isEqualTo(503).expectHeader().valueEquals("Retry-After", "1")
                    .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail)
                            .startsWith("the pinned memory budget is spent, also after waiting "));
        } finally {
            held.forEach(PinnedBuffer::close);
        }
    }

    @Test
    void leaseShouldEndWhenTheHandlerThrows() {
        post("/fails", Bodies.floats(10)).expectStatus().is5xxServerError();

        // The error answer may reach the client just before the exchange's doFinally runs: wait for it.
        assertThat(controller.received).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !controller.received.getFirst().isPinned());
    }

    @Test
    void leaseTheHandlerClosedShouldNotBeClosedAgain() {
        PoolStats before = frames.stats();

        post("/closes", Bodies.floats(10)).expectStatus().isOk().expectBody(String.class).isEqualTo("closed 10");

        await().atMost(Duration.ofSeconds(5)).until(() -> frames.stats().inUse() == 0);
        assertThat(frames.stats().returns() - before.returns()).isEqualTo(1);
    }

    @Test
    void exchangeCancelledByTheClientShouldEndTheLease() throws Exception {
        try (RawHttp raw = new RawHttp(port)) {
            raw.post("/never", 400, Bodies.floats(100));
            await().atMost(Duration.ofSeconds(10)).until(() -> controller.received.size() == 1);
            assertThat(controller.received.getFirst().isPinned()).as("held while the exchange lasts").isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !controller.received.getFirst().isPinned());
    }

    @Test
    void clientThatGoesAwayMidBodyShouldGetItsLeaseEnded() throws Exception {
        try (RawHttp raw = new RawHttp(port)) {
            raw.post("/floats", 40_000, new byte[10_000]);
            await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 0);
        assertThat(controller.received).isEmpty();
    }
}
