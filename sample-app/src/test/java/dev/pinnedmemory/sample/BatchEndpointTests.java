package dev.pinnedmemory.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PoolStats;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /api/batches}: good batches staged in the smallest size class that holds them and checked,
 * every kind of bad one refused with a reason, a spent budget waited out (or answered 503 when it stays spent).
 */
class BatchEndpointTests extends RunningServiceTests {

    private static final String BATCHES = "/api/batches";

    @Test
    void postBatchShouldStageItInPinnedMemoryAndAnswerWhatArrived() {
        byte[] batch = Floats.ramp(1000);

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, batch, null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        JsonNode receipt = answer.json();
        assertThat(receipt.path("elements").asLong()).isEqualTo(1000);
        assertThat(receipt.path("bytes").asLong()).isEqualTo(4000);
        assertThat(receipt.path("pool").asString()).isEqualTo("frames");
        assertThat(receipt.path("backend").asString()).isEqualTo(frames.backend().name());
        assertThat(receipt.path("pageLocked").asBoolean()).isEqualTo(frames.backend().pageLocked());
        assertThat(receipt.path("checksum").asString()).isEqualTo(Floats.crc32(batch));
        assertThat(receipt.path("sum").asDouble()).isEqualTo(Floats.rampSum(1000));
        assertThat(receipt.path("stagingMicros").asLong()).isNotNegative();
        assertThat(receipt.path("verified").asBoolean()).isTrue();
        if (receipt.path("device").asBoolean()) {
            assertThat(receipt.path("deviceName").asString()).isNotBlank();
            assertThat(receipt.path("transferMicros").asLong()).isNotNegative();
        } else {
            assertThat(receipt.has("transferMicros")).isTrue();
            assertThat(receipt.path("transferMicros").isNull()).isTrue();
            assertThat(receipt.path("deviceName").isNull()).isTrue();
        }
    }

    @Test
    void postBatchShouldRentFromFramesAndGiveTheBufferBack() {
        long rentsBefore = frames.stats().rents();

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, Floats.ramp(16), null);

        assertThat(answer.status()).isEqualTo(200);
        long rentsPerBatch = answer.json().path("device").asBoolean() ? 2 : 1;
        assertThat(frames.stats().rents()).isEqualTo(rentsBefore + rentsPerBatch);
        assertThat(frames.stats().inUse()).isZero();
    }

    @Test
    void postBatchThatFillsABufferExactlyShouldBeAccepted() {
        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM,
                Floats.ramp(FRAME_BYTES / Float.BYTES), null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("bytes").asLong()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void postChunkedBatchShouldStreamWithoutContentLength() {
        byte[] batch = Floats.ramp(5000);

        SampleClient.Answer answer = client.postChunked(BATCHES, SampleClient.OCTET_STREAM, batch);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("elements").asLong()).isEqualTo(5000);
        assertThat(answer.json().path("checksum").asString()).isEqualTo(Floats.crc32(batch));
    }

    @Test
    void postBatchWithBytesThatAreNotFloatsShouldStillBeStagedBitForBit() {
        byte[] batch = new byte[4096];
        Arrays.fill(batch, (byte) 0xFF); // all NaN

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, batch, null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("sum").asDouble()).isZero();
        assertThat(answer.json().path("checksum").asString()).isEqualTo(Floats.crc32(batch));
    }

    @Test
    void postBatchWithWrongContentTypeShouldBe415() {
        long rentsBefore = frames.stats().rents();

        SampleClient.Answer answer = client.post(BATCHES, "application/json", "[1.0, 2.0]".getBytes(), null);

        assertThat(answer.status()).isEqualTo(415);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.detail()).contains("application/json");
        assertThat(frames.stats().rents()).as("nothing rented for a refused content type").isEqualTo(rentsBefore);
    }

    @Test
    void postBatchThatIsNotAWholeNumberOfFloatsShouldBe400BeforeAnythingIsRented() {
        long rentsBefore = frames.stats().rents();

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, new byte[4001], null);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.detail()).contains("4001 bytes", "not a whole number of float32");
        assertThat(frames.stats().rents()).isEqualTo(rentsBefore);
    }

    @Test
    void postBatchShouldBeStagedInTheSmallestSizeClassThatHoldsIt() {
        // Test profile: frames 64KB with size classes 4KB, 5KB, 6KB, 7KB, 8KB, 10KB, 12KB, 14KB, 16KB, 20KB, ...
        int[] bytes = {4, 4096, 4100, 20_000, 40_000, FRAME_BYTES};
        int[] classBytes = {4096, 4096, 5120, 20_480, 40_960, FRAME_BYTES};
        for (int i = 0; i < bytes.length; i++) {
            byte[] batch = Floats.ramp(bytes[i] / Float.BYTES);
            Map<Integer, Long> before = BatchStagerTests.rentsByClass(frames);
            long requested = frames.stats().requestedBytes();

            SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, batch, null);

            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("verified").asBoolean()).isTrue();
            long rentsPerBatch = answer.json().path("device").asBoolean() ? 2 : 1;
            assertThat(BatchStagerTests.changed(before, BatchStagerTests.rentsByClass(frames)))
                    .as("%d bytes", bytes[i]).containsExactly(Map.entry(classBytes[i] / Float.BYTES, rentsPerBatch));
            assertThat(frames.stats().requestedBytes() - requested).isEqualTo(rentsPerBatch * bytes[i]);
        }
    }

    @Test
    void postChunkedBatchShouldBeStagedInAFullSizeBuffer() {
        Map<Integer, Long> before = BatchStagerTests.rentsByClass(frames);

        SampleClient.Answer answer = client.postChunked(BATCHES, SampleClient.OCTET_STREAM, Floats.ramp(100));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(BatchStagerTests.changed(before, BatchStagerTests.rentsByClass(frames)))
                .containsKey(FRAME_BYTES / Float.BYTES);
    }

    @Test
    void postBatchWhileTheBudgetIsSpentShouldWaitForABufferInsteadOfFailing() throws Exception {
        List<PinnedBuffer<float[]>> held = spendTheBudget();
        try {
            PoolStats before = frames.stats();
            byte[] batch = Floats.ramp(1000);
            CompletableFuture<SampleClient.Answer> pending = CompletableFuture.supplyAsync(
                    () -> client.post(BATCHES, SampleClient.OCTET_STREAM, batch, null));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> frames.stats().waiting() == 1 || pending.isDone());
            assertThat(pending).as("the batch waits for memory").isNotDone();

            held.removeLast().close(); // a full-size buffer back: its memory can serve the waiting batch

            SampleClient.Answer answer = pending.get(30, TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("checksum").asString()).isEqualTo(Floats.crc32(batch));
            assertThat(answer.json().path("verified").asBoolean()).isTrue();
            PoolStats after = frames.stats();
            assertThat(after.waits()).isEqualTo(before.waits() + 1);
            assertThat(after.waitTimeouts()).isEqualTo(before.waitTimeouts());
        } finally {
            held.forEach(PinnedBuffer::close);
        }
    }

    @Test
    void postBatchWhenTheBudgetStaysSpentShouldBe503WithRetryAfterOnceTheWaitRunsOut() {
        List<PinnedBuffer<float[]>> held = spendTheBudget();
        try {
            long timeoutsBefore = frames.stats().waitTimeouts();

            SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, Floats.ramp(1000), null);

            assertThat(answer.status()).as(answer.body()).isEqualTo(503);
            assertThat(answer.header("Retry-After")).isEqualTo("1");
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.detail()).startsWith("the pinned memory budget is spent, also after waiting ")
                    .contains("(pool 'frames' max-wait 2000 ms): no buffer for a body of 4000 bytes (4096 bytes asked; ",
                            "limit " + BUDGET_BYTES + " bytes", "; try again shortly");
            long waitedMillis = Long.parseLong(answer.detail().replaceAll(".*after waiting (\\d+) ms.*", "$1"));
            assertThat(waitedMillis).isGreaterThanOrEqualTo(frames.maxWait().toMillis());
            assertThat(frames.stats().waitTimeouts()).isEqualTo(timeoutsBefore + 1);
        } finally {
            held.forEach(PinnedBuffer::close);
        }
    }

    /**
     * Rents {@code frames} buffers, full-size ones first and then the smallest, until the budget refuses
     * even the smallest: afterwards no batch can get a buffer until one of these is returned.
     */
    private List<PinnedBuffer<float[]>> spendTheBudget() {
        List<PinnedBuffer<float[]>> held = new ArrayList<>();
        try {
            for (int length : new int[] {frames.bufferSize(), frames.minBufferSize()}) {
                while (true) {
                    assertThat(held).as("buffers rented to spend a %d byte budget", BUDGET_BYTES).hasSizeLessThan(4096);
                    try {
                        held.add(frames.rent(length));
                    } catch (MemoryBudgetExceededException spent) {
                        break;
                    }
                }
            }
            // Keep the full-size buffers last, so held.removeLast() frees enough for any batch.
            held.sort(java.util.Comparator.comparingLong(PinnedBuffer::byteSize));
            return held;
        } catch (RuntimeException | Error e) {
            held.forEach(PinnedBuffer::close);
            throw e;
        }
    }

    @Test
    void postEmptyBatchShouldBe400() {
        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, new byte[0], null);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.detail()).contains("empty body");
    }

    @Test
    void postBatchLargerThanABufferShouldBe413BeforeAnythingIsRented() {
        long rentsBefore = frames.stats().rents();

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, new byte[FRAME_BYTES + 4], null);

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.detail()).contains("does not fit the largest 'frames' buffer of " + FRAME_BYTES + " bytes");
        assertThat(frames.stats().rents()).isEqualTo(rentsBefore);
    }

    @Test
    void postChunkedBatchLargerThanABufferShouldBe413() {
        SampleClient.Answer answer = client.postChunked(BATCHES, SampleClient.OCTET_STREAM, new byte[FRAME_BYTES + 4]);

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.detail()).contains("more than " + FRAME_BYTES + " bytes");
    }

    @Test
    void getOnBatchesShouldBe405() {
        SampleClient.Answer answer = client.get(BATCHES);

        assertThat(answer.status()).isEqualTo(405);
    }
}
