package dev.pinnedmemory.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.jayway.jsonpath.JsonPath;
import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @PinnedBody} on Spring MVC handlers under a real Tomcat: the values that arrive, the lease each
 * body gets, and when each lease ends (request done, handler threw, handler closed it, async result written,
 * client gone).
 */
class PinnedBodyMvcTests extends MvcIngestTests {

    @Test
    void bodyShouldArriveInALeaseOfExactlyItsElementsWithEveryValue() throws Exception {
        PoolStats before = frames.stats();

        HttpResponse<String> response = post("/floats", Bodies.floats(1000));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<Double> values = JsonPath.parse(response.body()).read("$");
        assertThat(values).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(values.get(i)).isEqualTo(i * 0.5);
        }
        assertThat(received().length()).isEqualTo(1000);
        PoolStats after = frames.stats();
        assertThat(after.rents() - before.rents()).isEqualTo(1);
        assertThat(after.requestedBytes() - before.requestedBytes()).as("exactly the body").isEqualTo(4000);
        assertThat(rentsOfClass(after, 1024) - rentsOfClass(before, 1024)).as("the 4 KiB class").isEqualTo(1);
    }

    @Test
    void bodyThatFillsTheLargestBufferShouldArrive() throws Exception {
        HttpResponse<String> response = post("/floats", Bodies.floats(FRAME_BYTES / Float.BYTES));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(received().length()).isEqualTo(FRAME_BYTES / Float.BYTES);
    }

    @Test
    void emptyPoolNameShouldReceiveIntoThePoolNamedDefault() throws Exception {
        byte[] body = new byte[5000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 7);
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);

        HttpResponse<String> response = post("/bytes", body);

        assertThat(response.body()).isEqualTo("5000 " + Long.toHexString(crc.getValue()));
        assertThat(defaultPool.stats().rents()).isPositive();
    }

    @Test
    void chunkedBodyShouldBeReadIntoAFullSizeBufferAndHandedOverAsALeaseOfWhatArrived() throws Exception {
        PoolStats before = frames.stats();

        HttpResponse<String> response = postChunked("/floats", Bodies.floats(300));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JsonPath.parse(response.body()).read("$.length()", Integer.class)).isEqualTo(300);
        assertThat(JsonPath.parse(response.body()).read("$[299]", Double.class)).isEqualTo(149.5);
        assertThat(received().length()).isEqualTo(300);
        PoolStats after = frames.stats();
        assertThat(rentsOfClass(after, FRAME_BYTES / 4) - rentsOfClass(before, FRAME_BYTES / 4)).isEqualTo(1);
        assertThat(after.returns() - before.returns()).as("one lease ended, once").isEqualTo(1);
    }

    @Test
    void leaseShouldEndWhenTheHandlerThrows() throws Exception {
        HttpResponse<String> response = post("/fails", Bodies.floats(100));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(received().isPinned()).isFalse();
    }

    @Test
    void leaseTheHandlerClosedShouldNotBeClosedAgain() throws Exception {
        PoolStats before = frames.stats();

        HttpResponse<String> response = post("/closes", Bodies.floats(100));

        assertThat(response.body()).isEqualTo("closed 100");
        PoolStats after = frames.stats();
        assertThat(after.returns() - before.returns()).isEqualTo(1);
        assertThat(after.rents() - before.rents()).isEqualTo(1);
    }

    @Test
    void callableShouldStillReadTheLeaseAfterTheFirstDispatchReturned() throws Exception {
        HttpResponse<String> response = post("/callable", Bodies.floats(100));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("sum 2475.0");
    }

    @Test
    void deferredResultShouldKeepTheLeaseUntilItsResultIsWritten() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        controller.release.set(release);
        CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> {
            try {
                return post("/deferred", Bodies.floats(100));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> controller.received.size() == 1);
        // The first dispatch is over; the result is not set yet: the lease must still be the request's.
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                .until(() -> received().isPinned() && frames.stats().inUse() == 1);
        assertThat(pending).isNotDone();

        release.complete(null);

        HttpResponse<String> response = pending.get();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("sum 2475.0");
        await().atMost(Duration.ofSeconds(10)).until(() -> !received().isPinned());
    }

    @Test
    void clientThatGoesAwayMidBodyShouldGetItsLeaseEnded() throws Exception {
        try (RawHttp client = new RawHttp(port)) {
            client.post("/floats", 40_000, new byte[10_000]);
            await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().inUse() == 0);
        assertThat(controller.received).as("the handler never ran").isEmpty();
    }

    private static long rentsOfClass(PoolStats stats, int bufferLength) {
        return stats.sizeClasses().stream().filter(c -> c.bufferLength() == bufferLength)
                .mapToLong(c -> c.hits() + c.misses()).sum();
    }

}
