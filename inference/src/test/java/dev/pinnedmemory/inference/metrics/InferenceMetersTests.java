package dev.pinnedmemory.inference.metrics;

import java.time.Duration;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceObserver.CompletedRequest;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryObjects;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TestPools;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-model meters: requests by outcome with their latency, tensor bytes in and out; the shared memory regions' meters. */
class InferenceMetersTests {

    @Test
    void eachEndedRequestShouldBeTimedByModelVersionAndOutcomeWithItsBytes() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InferenceMeters meters = new InferenceMeters();
        meters.completed(new CompletedRequest("early", null, "success", 1, 1, 1));
        meters.bindTo(registry);
        meters.completed(new CompletedRequest("scale", "2", "success", 2_000_000, 1024, 8));
        meters.completed(new CompletedRequest("scale", "2", "success", 4_000_000, 1024, 8));
        meters.completed(new CompletedRequest("scale", "2", "invalid-argument", 100_000, 0, 0));
        meters.completed(new CompletedRequest("plain", null, "aborted", 100_000, 64, 0));

        Timer success = registry.get(InferenceMeters.REQUESTS).tags("model", "scale", "version", "2", "outcome", "success").timer();
        assertThat(success.count()).isEqualTo(2);
        assertThat(success.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(6.0);
        assertThat(registry.get(InferenceMeters.REQUESTS).tags("outcome", "invalid-argument").timer().count()).isOne();
        assertThat(registry.get(InferenceMeters.REQUESTS).tags("model", "plain", "version", "").timer().count()).isOne();
        DistributionSummary in = registry.get(InferenceMeters.TENSOR_BYTES).tags("model", "scale", "direction", "in").summary();
        assertThat(in.totalAmount()).isEqualTo(2048);
        assertThat(in.getId().getBaseUnit()).isEqualTo("bytes");
        assertThat(registry.get(InferenceMeters.TENSOR_BYTES).tags("model", "scale", "direction", "out").summary().count()).isEqualTo(2);
        assertThat(registry.find(InferenceMeters.REQUESTS).tags("model", "early").timer()).isNull();
    }

    @Test
    void theSharedMemoryMetersShouldReadTheRegistrysRegionsBytesAndCounters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SharedMemoryObjects objects = new SharedMemoryObjects();
             SharedMemoryRegistry regions = SharedMemoryRegistry.create(TestPools.MLOCK, MemoryBudget.unlimited(),
                     new SharedMemoryLimits(4, 1 << 20, Duration.ofSeconds(30)))) {
            new SharedMemoryMeters(regions).bindTo(registry);
            String key = objects.create("meters", 16384);
            regions.register("a", key, 0, 8192);
            regions.register("b", key, 8192, 8192);
            try {
                regions.register("a", key, 0, 8192);
            } catch (InferenceException refused) {
                // counted below
            }
            regions.unregister("b");

            assertThat(registry.get(SharedMemoryMeters.REGIONS).tag("state", "registered").gauge().value()).isEqualTo(1);
            assertThat(registry.get(SharedMemoryMeters.REGIONS).tag("state", "unregistering").gauge().value()).isZero();
            assertThat(registry.get(SharedMemoryMeters.BYTES).gauge().value()).isEqualTo(8192);
            assertThat(registry.get(SharedMemoryMeters.BYTES).gauge().getId().getBaseUnit()).isEqualTo("bytes");
            assertThat(registry.get(SharedMemoryMeters.REGISTRATIONS).tag("result", "registered").functionCounter().count()).isEqualTo(2);
            assertThat(registry.get(SharedMemoryMeters.REGISTRATIONS).tag("result", "refused").functionCounter().count()).isOne();
            assertThat(registry.get(SharedMemoryMeters.UNREGISTRATIONS).functionCounter().count()).isOne();
            assertThat(registry.get(SharedMemoryMeters.COPIED_BYTES).functionCounter().count()).isZero();
        }
    }
}
