package dev.pinnedmemory.sample;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /api/batches}: good batches staged and checked, every kind of bad one refused with a reason. */
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
    void postBatchThatIsNotAWholeNumberOfFloatsShouldBe400() {
        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, new byte[4001], null);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.detail()).contains("4001 bytes", "not a whole number of float32");
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
        assertThat(answer.detail()).contains("does not fit a 'frames' buffer of " + FRAME_BYTES + " bytes");
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
