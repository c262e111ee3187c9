package dev.pinnedmemory.inference.actuate;

import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryObjects;
import dev.pinnedmemory.inference.SharedMemoryRegionStatus;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** The inference endpoint lists the models with their readiness; the health contributor goes out of service with a model. */
class InferenceActuatorTests {

    private final PinnedMemoryPool<byte[]> pool = TestPools.tensors(64 * 1024);
    private final TestModels.Scripted v1 = model("1");
    private final TestModels.Scripted v2 = model("2");
    private final InferenceServer server = InferenceServer.builder(pool).model(v1).model(v2).build();

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void theEndpointShouldDescribeTheServerAndEveryModelWithItsVersions() {
        InferenceEndpoint endpoint = new InferenceEndpoint(server);
        InferenceEndpoint.InferenceDescriptor all = endpoint.inference();
        assertThat(all.extensions()).containsExactly("binary_tensor_data");
        assertThat(all.pool()).isEqualTo("tensors");
        assertThat(all.maxTensorBytes()).isEqualTo(65536);
        assertThat(all.ready()).isTrue();
        assertThat(all.models()).containsOnlyKeys("scale");
        assertThat(endpoint.model("scale").versions()).containsExactly("1", "2");
        assertThat(endpoint.model("nope")).isNull();
        v2.ready = false;
        assertThat(endpoint.model("scale").ready()).isFalse();
        assertThat(endpoint.inference().ready()).isFalse();
    }

    @Test
    void theEndpointShouldShowTheSharedMemoryRegionsTheirLimitsAndCounters() {
        InferenceEndpoint.SharedMemoryDescriptor off = new InferenceEndpoint(server).inference().sharedMemory();
        assertThat(off.enabled()).isFalse();
        assertThat(off.regions()).isEmpty();

        try (SharedMemoryObjects objects = new SharedMemoryObjects();
             SharedMemoryRegistry regions = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(), SharedMemoryLimits.DEFAULTS)) {
            String key = objects.create("actuator", 8192);
            regions.register("input0", key, 0, 8192);
            InferenceEndpoint.InferenceDescriptor all = new InferenceEndpoint(InferenceServer.builder(pool).model(v1)
                    .sharedMemory(regions).build()).inference();
            assertThat(all.extensions()).containsExactly("binary_tensor_data", "system_shared_memory");
            assertThat(all.sharedMemory()).isEqualTo(new InferenceEndpoint.SharedMemoryDescriptor(true, "mlock", 16, 1L << 30,
                    30_000, 1, 8192, 1, 0, 0, 0,
                    List.of(new SharedMemoryRegionStatus("input0", key, 0, 8192, true, "mlock", 0, 0, 0))));
        }
    }

    @Test
    void healthShouldBeOutOfServiceNamingTheModelsThatAreNotReady() {
        InferenceHealthIndicator health = new InferenceHealthIndicator(server);
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
        v1.ready = false;
        Health down = health.health(true);
        assertThat(down.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(down.getDetails()).containsEntry("notReady", List.of("scale/1")).containsEntry("pool", "tensors");
        pool.close();
        assertThat(health.health(true).getDetails()).containsEntry("reason", "pool 'tensors' is closed");
    }

    private static TestModels.Scripted model(String version) {
        return new TestModels.Scripted(new ModelMetadata("scale", List.of(version), "java",
                List.of(new TensorMetadata("X", "FP32", List.of(-1L))), List.of(new TensorMetadata("Y", "FP32", List.of(-1L)))),
                request -> InferenceResponse.builder().build());
    }
}
