package dev.pinnedmemory.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.actuate.PinnedMemoryEndpoint;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaPlacement;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pinned-memory.numa-node} and {@code pinned-memory.pools.<name>.numa-node} (this machine has node 0 only). */
class PinnedMemoryNumaNodeTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryEndpointAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked", "management.endpoints.web.exposure.include=pinnedmemory");

    @Test
    void runWithAPoolOnNodeZeroShouldBindItsMemoryAndShowTheNodeInStatsAndTheEndpoint() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.buffer-size=4MB", "pinned-memory.pools.frames.numa-node=0",
                "pinned-memory.pools.other.buffer-size=4KB").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(PinnedMemorySettings.class).pools().get("frames").numaNode()).isEqualTo(NumaNode.of(0));
                    PinnedMemoryPool<?> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
                    assertThat(frames.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.of(0), OptionalInt.of(0)));
                    try (PinnedBuffer<?> buffer = frames.rent()) {
                        buffer.fill(1);
                        assertThat(numaPolicy(buffer.address())).isEqualTo("bind:0");
                    }
                    PinnedMemoryEndpoint endpoint = context.getBean(PinnedMemoryEndpoint.class);
                    assertThat(endpoint.pinnedMemory().pools().get("frames").numaNode()).isZero();
                    assertThat(endpoint.pinnedMemory().pools().get("other").numaNode()).isEqualTo(-1);
                });
    }

    @Test
    void runWithAGlobalNodeShouldPlaceEveryPoolThatSetsNoneOfItsOwn() {
        this.runner.withPropertyValues("pinned-memory.numa-node=0", "pinned-memory.pools.a.buffer-size=4KB",
                "pinned-memory.pools.b.buffer-size=4KB", "pinned-memory.pools.b.numa-node=none").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("aPinnedMemoryPool", PinnedMemoryPool.class).stats().numaNode()).isZero();
                    assertThat(context.getBean("bPinnedMemoryPool", PinnedMemoryPool.class).stats().numaNode()).isEqualTo(-1);
                });
    }

    @Test
    void runWithAutoAndNoCudaDeviceShouldStartWithMemoryUnbound() {
        this.runner.withPropertyValues("pinned-memory.numa-node=AUTO").run(context -> {
            assertThat(context).hasNotFailed();
            PinnedMemoryPool<?> pool = context.getBean("defaultPinnedMemoryPool", PinnedMemoryPool.class);
            assertThat(pool.stats().numaNode()).isEqualTo(-1);
            assertThat(pool.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.AUTO, OptionalInt.empty()));
        });
    }

    @Test
    void runWithANodeThatDoesNotExistShouldFailNamingThePoolsPropertyAndTheNodesThereAre() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.numa-node=7").run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
            assertThat(cause).isInstanceOf(InvalidPinnedMemoryPropertyException.class).hasMessage(
                    "'pinned-memory.pools.frames.numa-node' must be an online NUMA node of this machine "
                            + "(0, from /sys/devices/system/node/online) but was 7");
            FailureAnalysis analysis = new PinnedMemoryFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("Property: pinned-memory.pools.frames.numa-node", "Value: 7");
            assertThat(analysis.getAction()).isEqualTo(
                    "Set pinned-memory.pools.frames.numa-node to none, auto (the CUDA device's node) or one of the online NUMA nodes: 0.");
        });
    }

    @Test
    void runWithANumaNodeThatIsNoNodeShouldFailNamingTheGlobalPropertyAndTheForms() {
        this.runner.withPropertyValues("pinned-memory.numa-node=near").run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
            assertThat(cause).isInstanceOf(InvalidPinnedMemoryPropertyException.class)
                    .hasMessage("'pinned-memory.numa-node' must be none, auto or a NUMA node number but was 'near'");
            assertThat(((InvalidPinnedMemoryPropertyException) cause).action())
                    .isEqualTo("Set pinned-memory.numa-node to none, auto or one of the online NUMA nodes: 0.");
        });
    }

    private static String numaPolicy(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return Files.readAllLines(Path.of("/proc/self/numa_maps")).stream()
                        .filter(numa -> numa.startsWith(range[0] + " ")).findFirst().map(numa -> numa.split(" ")[1])
                        .orElse("no numa_maps line");
            }
        }
        return "unmapped";
    }
}
