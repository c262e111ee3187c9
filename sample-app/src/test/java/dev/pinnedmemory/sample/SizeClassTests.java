package dev.pinnedmemory.sample;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batches of every size up to the largest {@code frames} buffer (4MB) are accepted with the shipped
 * configuration, each staged in the smallest size class that holds it, as
 * {@code /actuator/pinnedmemory/frames} shows; one float more is 413 naming the limit.
 */
class SizeClassTests extends ShippedConfigTests {

    private static final String BATCHES = "/api/batches";

    @ParameterizedTest(name = "{0} bytes: the {1} byte class")
    @CsvSource({
            "4, 65536", // below the smallest class (min-buffer-size 64KB)
            "4096, 65536", // 4 KiB
            "65540, 81920", // one float over 64KB: the next class, 80KB
            "102400, 114688", // 100 KiB: 64, 80, 96, 112KB
            "1048576, 1048576", // 1 MiB: a class of its own
            "1048580, 1310720", // one float over: 1.25 MiB
            "3000000, 3145728", // 3 MB: 3 MiB
            "4194304, 4194304"}) // 4 MiB: the largest class, the buffer-size
    void batchShouldBeAcceptedAndServedByTheSmallestClassThatHoldsIt(int bytes, long classBytes) {
        byte[] batch = Floats.ramp(bytes / Float.BYTES);
        Map<Long, Long> before = rentsByClass();

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, batch, null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode receipt = answer.json();
        assertThat(receipt.path("bytes").asLong()).isEqualTo(bytes);
        assertThat(receipt.path("checksum").asString()).isEqualTo(Floats.crc32(batch));
        assertThat(receipt.path("verified").asBoolean()).isTrue();
        long rentsPerBatch = receipt.path("device").asBoolean() ? 2 : 1;
        assertThat(changed(before, rentsByClass())).as("rents per class of /actuator/pinnedmemory/frames")
                .containsExactly(Map.entry(classBytes, rentsPerBatch));
    }

    @Test
    void sizeClassesShouldRunFromMinBufferSizeToBufferSizeAtMostAQuarterApart() {
        JsonNode classes = client.get(FRAMES).json().path("sizeClasses");

        assertThat(classes.get(0).path("bufferBytes").asLong()).isEqualTo(64 * 1024);
        assertThat(classes.get(classes.size() - 1).path("bufferBytes").asLong()).isEqualTo(FRAME_BYTES);
        for (int i = 1; i < classes.size(); i++) {
            double step = classes.get(i).path("bufferBytes").asDouble() / classes.get(i - 1).path("bufferBytes").asDouble();
            assertThat(step).as("class %d over class %d", i, i - 1).isGreaterThan(1.0).isLessThanOrEqualTo(1.25);
        }
    }

    @Test
    void batchOneFloatOverTheLargestBufferShouldBe413NamingTheLimit() {
        long rentsBefore = frames.stats().rents();

        SampleClient.Answer answer = client.post(BATCHES, SampleClient.OCTET_STREAM, new byte[FRAME_BYTES + 4], null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.detail()).isEqualTo("body of 4194308 bytes does not fit the largest 'frames' buffer of 4194304 "
                + "bytes (1048576 float32 values); send smaller bodies or resize the pool");
        assertThat(frames.stats().rents()).as("refused before renting").isEqualTo(rentsBefore);
    }

    @Test
    void chunkedBatchOverTheLargestBufferShouldBe413NamingTheLimit() {
        SampleClient.Answer answer = client.postChunked(BATCHES, SampleClient.OCTET_STREAM, new byte[FRAME_BYTES + 4]);

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.detail()).contains("more than 4194304 bytes", "the largest 'frames' buffer of 4194304 bytes");
    }

    /** {@return rents (hits + misses) per size class, by class bytes, as the Actuator endpoint shows them} */
    private Map<Long, Long> rentsByClass() {
        SampleClient.Answer answer = client.get(FRAMES);
        assertThat(answer.status()).isEqualTo(200);
        Map<Long, Long> rents = new TreeMap<>();
        for (JsonNode c : answer.json().path("sizeClasses")) {
            rents.put(c.path("bufferBytes").asLong(), c.path("hits").asLong() + c.path("misses").asLong());
        }
        return rents;
    }

    private static Map<Long, Long> changed(Map<Long, Long> before, Map<Long, Long> after) {
        Map<Long, Long> changed = new TreeMap<>();
        after.forEach((bytes, rents) -> {
            long delta = rents - before.getOrDefault(bytes, 0L);
            if (delta != 0) {
                changed.put(bytes, delta);
            }
        });
        return changed;
    }
}
