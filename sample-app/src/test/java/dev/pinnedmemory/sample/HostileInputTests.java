package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A generated set of bad inputs against every endpoint that takes input: each must get a 4xx with a
 * reason (never a 5xx), and the pools must stay whole and within the budget after each one (checked
 * after every test by {@link RunningServiceTests}).
 */
class HostileInputTests extends RunningServiceTests {

    /** Sizes that are not a size, not positive, or too large for anything here. */
    static Stream<String> badSizes() {
        List<String> sizes = new ArrayList<>(List.of("", " ", "abc", "MB", "64XB", "64mb!", "1.5MB", "1,5MB", "0x40MB",
                "64 MB MB", "NaN", "Infinity", "-1", "-64MB", "-0", "0", "0B", "0KB", "1TB", "8GB", "16EB",
                "99999999999999999999", "9223372036854775807", "9223372036854775807GB", "-9223372036854775808",
                "\u0000", "\u202e64MB", "64MB; DROP TABLE pools", "${jndi:ldap://x}", "../../etc/passwd"));
        sizes.add("9".repeat(5000));
        return sizes.stream();
    }

    @ParameterizedTest
    @MethodSource("badSizes")
    void bandwidthWithHostileSizeShouldBe400(String size) {
        SampleClient.Answer answer = client.get("/api/bandwidth?size=" + encode(size));

        assertThat(answer.status()).as("size %s: %s", size, answer.body()).isEqualTo(400);
        assertThat(answer.detail()).as(size).isNotBlank().hasSizeLessThan(300);
    }

    @ParameterizedTest
    @MethodSource("badSizes")
    void resizeWithHostileSizeShouldBe4xxAndChangeNothing(String size) {
        String json = "{\"bufferSize\":\"" + size.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("\u0000", "\\u0000") + "\"}";

        SampleClient.Answer answer = client.postJson("/actuator/pinnedmemory/frames", json, SampleClient.ADMIN);

        assertThat(answer.status()).as("size %s: %s", size, answer.body()).isBetween(400, 499);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    static Stream<String> badResizeBodies() {
        return Stream.of("", "{", "null", "[]", "{}", "{\"bufferSize\":null}", "{\"bufferSize\":-1}",
                "{\"bufferSize\":1.5}", "{\"bufferSize\":true}", "{\"bufferSize\":{\"x\":1}}", "{\"bufferSize\":[\"8MB\"]}",
                "{\"bufferSize\":\"3B\"}", "{\"bufferSize\":\"8MB\",\"bufferSize\":\"9MB\"}", "{\"other\":\"8MB\"}",
                "\"8MB\"", "{\"bufferSize\":\"8MB\"", "{\"bufferSize\":\"" + "1".repeat(10_000) + "\"}");
    }

    @ParameterizedTest
    @MethodSource("badResizeBodies")
    void resizeWithHostileBodyShouldBe4xxAndChangeNothing(String json) {
        SampleClient.Answer answer = client.postJson("/actuator/pinnedmemory/frames", json, SampleClient.ADMIN);

        assertThat(answer.status()).as("body %s: %s", abbreviate(json), answer.body()).isBetween(400, 499);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void resizeOverTheBudgetShouldBe400AndFreeNothing() {
        PoolSnapshot before = PoolSnapshot.of(frames);

        SampleClient.Answer answer = client.postJson("/actuator/pinnedmemory/frames", "{\"bufferSize\":\"4MB\"}",
                SampleClient.ADMIN);

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(PoolSnapshot.of(frames)).isEqualTo(before);
    }

    @Test
    void resizeWithWrongContentTypeShouldBe4xx() {
        SampleClient.Answer form = client.post("/actuator/pinnedmemory/frames", "application/x-www-form-urlencoded",
                "bufferSize=128KB".getBytes(StandardCharsets.UTF_8), SampleClient.ADMIN);
        SampleClient.Answer text = client.post("/actuator/pinnedmemory/frames", "text/plain",
                "{\"bufferSize\":\"128KB\"}".getBytes(StandardCharsets.UTF_8), SampleClient.ADMIN);

        assertThat(form.status()).isBetween(400, 499);
        assertThat(text.status()).isBetween(400, 499);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void unknownPoolsShouldBe404ForReadsAndWritesAnd401WithoutCredentials() {
        for (String pool : List.of("nope", "FRAMES", "frames2", "..", "%2e%2e", "frames%00", "a".repeat(300))) {
            String path = "/actuator/pinnedmemory/" + pool;
            assertThat(client.get(path).status()).as("GET %s", pool).isIn(400, 404);
            assertThat(client.postJson(path, "{\"bufferSize\":\"128KB\"}", SampleClient.ADMIN).status())
                    .as("POST %s", pool).isIn(400, 404);
            assertThat(client.postJson(path, "{\"bufferSize\":\"128KB\"}", null).status())
                    .as("POST %s without credentials", pool).isIn(400, 401);
        }
    }

    static Stream<String> wrongContentTypes() {
        return Stream.of("application/json", "text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/octet-streamx", "garbage", "*/*", "application/*",
                "application/octet-stream;;;=");
    }

    @ParameterizedTest
    @MethodSource("wrongContentTypes")
    void batchWithWrongContentTypeShouldBe415(String contentType) {
        SampleClient.Answer answer = client.post("/api/batches", contentType, Floats.ramp(4), null);

        assertThat(answer.status()).as("%s: %s", contentType, answer.body()).isIn(400, 415);
    }

    @Test
    void batchesOfEveryLengthAroundTheLimitsShouldBeAcceptedOrRefusedWithA4xx() {
        int[] lengths = {0, 1, 2, 3, 4, 5, 7, 8, 4095, 4097, FRAME_BYTES - 1, FRAME_BYTES, FRAME_BYTES + 1,
                FRAME_BYTES + 3, FRAME_BYTES + 4, 2 * FRAME_BYTES, 16 * FRAME_BYTES};
        for (int length : lengths) {
            byte[] body = new byte[length];
            boolean acceptable = length > 0 && length % 4 == 0 && length <= FRAME_BYTES;
            int expected = acceptable ? 200 : length > FRAME_BYTES ? 413 : 400;

            assertThat(client.post("/api/batches", SampleClient.OCTET_STREAM, body, null).status())
                    .as("%d bytes", length).isEqualTo(expected);
            assertThat(client.postChunked("/api/batches", SampleClient.OCTET_STREAM, body).status())
                    .as("%d bytes chunked", length).isEqualTo(expected);
            assertPoolsQuietAndWhole();
        }
    }

    @Test
    void batchCutOffMidwayShouldNeverBe5xxAndShouldGiveTheBufferBack() throws IOException {
        // Declares 4000 bytes, sends 1000, then stops sending: what a client that dies mid-upload looks like.
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/batches HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: 4000\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            socket.shutdownOutput();
            String statusLine = readStatusLine(socket.getInputStream());
            if (!statusLine.isEmpty()) {
                assertThat(statusLine).as("answer to a cut-off body").matches("HTTP/1\\.1 4\\d\\d .*");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 0);
    }

    @Test
    void concurrentResizesAndBatchesShouldLeaveThePoolsWholeAndWithinBudget() throws Exception {
        String[] sizes = {"32KB", "128KB", "256KB", "16KB", "4MB", "64KB", "512KB", "3B"};
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(2 * threads);
        try {
            List<Future<List<Integer>>> resizes = new ArrayList<>();
            List<Future<List<Integer>>> batches = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String size = sizes[t];
                resizes.add(executor.submit(repeat(start, 3, () -> client.postJson("/actuator/pinnedmemory/frames",
                        "{\"bufferSize\":\"" + size + "\"}", SampleClient.ADMIN).status())));
                batches.add(executor.submit(repeat(start, 10, () -> client.post("/api/batches",
                        SampleClient.OCTET_STREAM, Floats.ramp(2048), null).status())));
            }
            start.countDown();
            List<Integer> resizeStatuses = collect(resizes);
            List<Integer> batchStatuses = collect(batches);
            // A resize is applied (200) or refused for its size or the budget (400); a batch fits (200), meets a
            // smaller buffer (413) or a spent budget (503): each a sane answer to a race, none a failure.
            assertThat(resizeStatuses).containsOnly(200, 400).contains(200, 400);
            assertThat(batchStatuses).contains(200).allSatisfy(status -> assertThat(status).isIn(200, 413, 503));
        } finally {
            executor.shutdownNow();
            restoreFrames();
        }
        assertPoolsQuietAndWhole();
    }

    private static List<Integer> collect(List<Future<List<Integer>>> futures) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (Future<List<Integer>> future : futures) {
            statuses.addAll(future.get());
        }
        return statuses;
    }

    private static Callable<List<Integer>> repeat(CountDownLatch start, int times, Callable<Integer> call) {
        return () -> {
            start.await();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < times; i++) {
                statuses.add(call.call());
            }
            return statuses;
        };
    }

    private static String readStatusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String value) {
        return value.length() <= 60 ? value : value.substring(0, 60) + "...";
    }

    /** The parts of a pool's stats a refused resize must not change. */
    record PoolSnapshot(long bufferBytes, int idle, int allocated, long pinnedBytes) {
        static PoolSnapshot of(dev.pinnedmemory.PinnedMemoryPool<?> pool) {
            var stats = pool.stats();
            return new PoolSnapshot(stats.bufferBytes(), stats.idle(), stats.allocated(), stats.pinnedBytes());
        }
    }
}
