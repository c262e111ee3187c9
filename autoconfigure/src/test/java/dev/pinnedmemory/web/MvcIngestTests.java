package dev.pinnedmemory.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real Tomcat on a random port serving {@link MvcIngestApplication}; after each test every lease is back. */
@SpringBootTest(classes = MvcIngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet"})
abstract class MvcIngestTests {

    static final int FRAME_BYTES = 64 * 1024;

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("frames")
    PinnedMemoryPool<float[]> frames;

    @Autowired
    @Qualifier("default")
    PinnedMemoryPool<byte[]> defaultPool;

    @Autowired
    MvcIngestApplication.IngestController controller;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @org.springframework.test.context.DynamicPropertySource
    static void pools(org.springframework.test.context.DynamicPropertyRegistry registry) {
        for (String property : MvcIngestApplication.PROPERTIES) {
            String[] pair = property.split("=", 2);
            registry.add(pair[0], () -> pair[1]);
        }
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
