package dev.pinnedmemory.sampleit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged jar, started in ahead-of-time mode in a process of its own, as
 * {@code java -Dspring.aot.enabled=true -jar target/pinned-memory-sample-app-0.1.0-SNAPSHOT.jar}: it
 * must start from the bean definitions {@code process-aot} generated (the log says "Starting
 * AOT-processed SampleApplication"), register both pools, stage a batch and show the pools through
 * Actuator. Run by maven-failsafe-plugin after the jar is built; loopback only. The process is
 * always destroyed.
 *
 * <p>In a package of its own so that a surefire run with {@code -Dtest='dev.pinnedmemory.sample.**'}
 * (which replaces surefire's includes and excludes) never picks it up before the jar exists.
 */
class AotJarIT {

    static final String AOT_STARTED = "Starting AOT-processed SampleApplication";
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private Path log;
    private URI base;

    @BeforeEach
    void startTheJarInAotMode() throws IOException {
        Path jar = Path.of(System.getProperty("sample.jar", "target/pinned-memory-sample-app-0.1.0-SNAPSHOT.jar"));
        assertThat(jar).as("the packaged jar (built by `./mvnw package`)").isRegularFile();
        // The JVM that runs this test is the build's (JAVA_HOME's), so it is a JDK 25 too.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        int port = freeLoopbackPort();
        base = URI.create("http://127.0.0.1:" + port);
        log = Files.createDirectories(jar.toAbsolutePath().getParent().resolve("it")).resolve("aot-jar.log");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Dspring.aot.enabled=true", "-jar",
                jar.toString(), "--server.port=" + port, "--server.address=127.0.0.1"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().put("SAMPLE_ADMIN_PASSWORD", "aot-it-secret");
        process = builder.start();
    }

    @AfterEach
    void destroyTheProcess() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(process.isAlive()).as("sample process still running").isFalse();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void jarShouldStartInAotModeStageABatchServeAnInferenceAndShowItsPools() throws Exception {
        awaitReadiness();
        String started = log().lines().filter(line -> line.contains(AOT_STARTED)).findFirst().orElse(null);
        assertThat(started).as("a line with '%s' in %s", AOT_STARTED, log).isNotNull();
        System.out.println("AOT start-up line: " + started.strip());

        byte[] batch = ramp(262_144); // 1 MiB
        HttpResponse<String> staged = http.send(HttpRequest.newBuilder(base.resolve("/api/batches"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(staged.statusCode()).as(staged.body()).isEqualTo(200);
        JsonNode receipt = JSON.readTree(staged.body());
        assertThat(receipt.path("elements").asLong()).isEqualTo(262_144);
        assertThat(receipt.path("pool").asString()).isEqualTo("frames");
        assertThat(receipt.path("verified").asBoolean()).isTrue();

        HttpResponse<String> inferred = http.send(HttpRequest.newBuilder(base.resolve("/v2/models/scale_sum/infer"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"INPUT\",\"shape\":[4],\"datatype\":\"FP32\","
                        + "\"data\":[1,2,3,4]},{\"name\":\"SCALE\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[0.5]}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(inferred.statusCode()).as(inferred.body()).isEqualTo(200);
        assertThat(JSON.readTree(inferred.body()).path("outputs").get(1).path("data").get(0).asDouble()).isEqualTo(5.0);

        HttpResponse<String> pinned = get("/actuator/pinnedmemory");
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(pinned.body());
        String backend = body.path("backend").path("name").asString();
        assertThat(backend).isIn("cuda", "mlock", "unlocked");
        assertThat(receipt.path("backend").asString()).isEqualTo(backend);
        assertThat(body.path("pools").propertyNames()).containsExactlyInAnyOrder("frames", "tensors", "labels");
        JsonNode frames = body.path("pools").path("frames");
        assertThat(frames.path("elementType").asString()).isEqualTo("FLOAT");
        assertThat(frames.path("bufferBytes").asLong()).isEqualTo(4L * 1024 * 1024);
        assertThat(frames.path("rents").asLong()).as("the batch's rents").isPositive();
        assertThat(frames.path("inUse").asLong()).isZero();
        assertThat(frames.path("sizeClasses").get(0).path("bufferBytes").asLong()).isEqualTo(64 * 1024);
        assertThat(body.path("pools").path("labels").path("elementType").asString()).isEqualTo("INT");
        assertThat(body.path("pools").path("tensors").path("rents").asLong()).as("the inference's rents").isPositive();

        assertThat(log()).doesNotContain("WARNING: A restricted method", "APPLICATION FAILED TO START");
    }

    /** Polls readiness until UP, for at most {@link #READY_WITHIN}; gives up at once if the process dies. */
    private void awaitReadiness() {
        await("readiness of the sample jar (log: " + log + ")").atMost(READY_WITHIN)
                .pollInterval(Duration.ofMillis(200))
                .failFast("the sample process exited", () -> !process.isAlive())
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    HttpResponse<String> ready = get("/actuator/health/readiness");
                    return ready.statusCode() == 200 && ready.body().contains("\"status\":\"UP\"");
                });
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String log() throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static byte[] ramp(int count) {
        ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putFloat(i + 0.5f);
        }
        return bytes.array();
    }
}
