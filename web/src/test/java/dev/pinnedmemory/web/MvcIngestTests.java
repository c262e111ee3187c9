package dev.pinnedmemory.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Tomcat on a free port serving {@link MvcIngestApplication}, a plain Spring MVC application wired with
 * {@link EnablePinnedBody}; after each test every lease is back.
 */
abstract class MvcIngestTests {

    static final int FRAME_BYTES = IngestPools.FRAME_BYTES;

    private static MvcServer server;
    static int port;
    static PinnedMemoryPool<float[]> frames;
    static PinnedMemoryPool<byte[]> defaultPool;
    static MvcIngestApplication.IngestController controller;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        server = MvcServer.start(MvcIngestApplication.class);
        port = server.port();
        PinnedMemoryPools pools = server.context().getBean(PinnedMemoryPools.class);
        frames = pools.get("frames", ElementType.FLOAT);
        defaultPool = pools.get("default", ElementType.BYTE);
        controller = server.context().getBean(MvcIngestApplication.IngestController.class);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void forgetEarlierLeases() {
        controller.received.clear();
    }

    @AfterEach
    void everyLeaseShouldBeBack() {
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 0 && defaultPool.stats().inUse() == 0);
        assertThat(controller.received).allSatisfy(lease -> assertThat(lease.isPinned()).isFalse());
        assertThat(frames.stats().leaks()).isZero();
    }

    HttpResponse<String> post(String path, byte[] body) throws IOException, InterruptedException {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Posts {@code body} without a Content-Length: chunked. */
    HttpResponse<String> postChunked(String path, byte[] body) throws IOException, InterruptedException {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(30));
    }

    /** {@return the first lease the handlers received} */
    PinnedBuffer<?> received() {
        assertThat(controller.received).hasSize(1);
        return controller.received.getFirst();
    }
}
