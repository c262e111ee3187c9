package dev.pinnedmemory.actuate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoint's safe default: exposed, it can be read, but a resize (which locks memory on the
 * host) is refused with 405 until {@code management.endpoint.pinnedmemory.access=unrestricted}.
 */
@SpringBootTest(classes = PinnedMemoryTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=pinnedmemory",
        "pinned-memory.pools.frames.element-type=float",
        "pinned-memory.pools.frames.buffer-size=64KB" })
class PinnedMemoryEndpointDefaultAccessTests {

    @LocalServerPort
    private int port;

    @Autowired
    @Qualifier("frames")
    private PinnedMemoryPool<float[]> frames;

    @Test
    void byDefaultReadsShouldWorkAndAResizeShouldBeMethodNotAllowed() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> read = client.send(HttpRequest.newBuilder(uri("/actuator/pinnedmemory/frames")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"bufferBytes\":65536");

        HttpResponse<String> resize = client.send(HttpRequest.newBuilder(uri("/actuator/pinnedmemory/frames"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"bufferSize\": \"128KB\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resize.statusCode()).isEqualTo(405);
        assertThat(this.frames.bufferSize()).isEqualTo(16 * 1024);
    }

    @Test
    void byDefaultPeaksShouldBeReadableAndTheirResetMethodNotAllowed() throws Exception {
        EndpointHttp http = new EndpointHttp(this.port);
        this.frames.rent().close();
        assertThat(http.get("/actuator/pinnedmemory/frames/peaks").statusCode()).isEqualTo(200);
        assertThat(http.delete("/actuator/pinnedmemory/frames/peaks").statusCode()).isEqualTo(405);
        assertThat(http.delete("/actuator/pinnedmemory/peaks").statusCode()).isEqualTo(405);
        assertThat(this.frames.metrics().peakPinnedBytes()).as("not reset").isEqualTo(65536);
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + this.port + path);
    }
}
