package dev.pinnedmemory.actuate;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** Peaks over HTTP: read, reset one pool's or all of them with the budget's, and 404 for what is not there. */
@SpringBootTest(classes = PinnedMemoryTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=pinnedmemory",
        "management.endpoint.pinnedmemory.access=unrestricted",
        "pinned-memory.backend=unlocked",
        "pinned-memory.max-total-size=1MB",
        "pinned-memory.pools.frames.element-type=float",
        "pinned-memory.pools.frames.buffer-size=64KB",
        "pinned-memory.pools.frames.max-size=1" })
class PinnedMemoryEndpointPeaksTests {

    @LocalServerPort
    private int port;

    @Autowired
    @Qualifier("frames")
    private PinnedMemoryPool<float[]> frames;

    private void burstOfThree() {
        List<PinnedBuffer<float[]>> burst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            burst.add(this.frames.rent());
        }
        burst.forEach(PinnedBuffer::close);             // max-size 1: two are freed
    }

    @Test
    void peaksShouldBeReadAndResetPerPoolAndForAllPoolsWithTheBudget() throws Exception {
        EndpointHttp http = new EndpointHttp(this.port);
        this.frames.metrics().resetPeaks();
        this.frames.budget().resetPeak();
        burstOfThree();

        HttpResponse<String> all = http.get("/actuator/pinnedmemory");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.body()).contains("\"budget\":{\"limitBytes\":1048576,\"usedBytes\":65536,\"peakBytes\":196608}",
                "\"peakPinnedBytes\":196608", "\"peakInUse\":3", "\"allocations\":", "\"allocationNanos\":",
                "\"frees\":", "\"stuckFences\":0", "\"oldestFenceAgeNanos\":0", "\"fenceWarnAfterNanos\":10000000000");

        HttpResponse<String> peaks = http.get("/actuator/pinnedmemory/frames/peaks");
        assertThat(peaks.statusCode()).isEqualTo(200);
        assertThat(peaks.body()).contains("\"pool\":\"frames\"", "\"peakPinnedBytes\":196608", "\"peakInUse\":3",
                "\"budgetPeakBytes\":196608");

        HttpResponse<String> reset = http.delete("/actuator/pinnedmemory/frames/peaks");
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(reset.body()).contains("\"peakPinnedBytes\":65536", "\"peakInUse\":0", "\"maxAllocationNanos\":0",
                "\"budgetPeakBytes\":196608");
        assertThat(this.frames.metrics().peakPinnedBytes()).isEqualTo(65536);

        burstOfThree();
        HttpResponse<String> resetAll = http.delete("/actuator/pinnedmemory/peaks");
        assertThat(resetAll.statusCode()).isEqualTo(200);
        assertThat(resetAll.body()).contains("\"peakPinnedBytes\":65536", "\"peakBytes\":65536");
        assertThat(this.frames.budget().peakBytes()).isEqualTo(65536);
    }

    @Test
    void peaksOfAnUnknownPoolOrAtAnotherPathShouldBeNotFoundAndResetNothing() throws Exception {
        EndpointHttp http = new EndpointHttp(this.port);
        burstOfThree();
        long peak = this.frames.metrics().peakPinnedBytes();

        assertThat(http.get("/actuator/pinnedmemory/nope/peaks").statusCode()).isEqualTo(404);
        HttpResponse<String> unknown = http.delete("/actuator/pinnedmemory/nope/peaks");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no peaks at 'nope/peaks'");
        assertThat(http.delete("/actuator/pinnedmemory/frames/highs").statusCode()).isEqualTo(404);
        assertThat(http.delete("/actuator/pinnedmemory/highs").statusCode()).isEqualTo(404);
        assertThat(this.frames.metrics().peakPinnedBytes()).isEqualTo(peak);
    }
}
