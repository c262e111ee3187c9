package dev.pinnedmemory.backend;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code mbind} as the backends call it: a node the kernel refuses is named, nothing stays mapped. */
class NumaBindingTests {

    @Test
    void bindingToANodeTheKernelDoesNotHaveShouldFailNamingMbindAndTheErrno() {
        long bound = boundMappings();
        for (int node : new int[] {5, 100, NumaNode.MAX_NODE}) {
            assertThatThrownBy(() -> AnonymousMappings.mapForDevice(4 << 20, 4 << 20, node))
                    .as("node %d", node).isInstanceOf(BackendException.class)
                    .hasMessageStartingWith("mbind(MPOL_BIND) of 4 MiB to NUMA node " + node + " failed: EINVAL (errno 22");
        }
        assertThat(boundMappings()).isEqualTo(bound);
    }

    @Test
    void aPlacedUnlockedBackendShouldRefuseAtAllocationWhenTheKernelRefusesTheNode() {
        PageLockingBackend placed = PageLockingBackends.placedOn(PageLockingBackends.unlocked(), 5);
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> placed.allocate(1 << 20, arena)).isInstanceOf(BackendException.class)
                    .hasMessageContaining("to NUMA node 5 failed: EINVAL");
        }
    }

    @Test
    void memoryBoundToNodeZeroShouldComeFromNodeZeroWhenTouched() throws IOException {
        assumeTrue(NumaTopology.system().allowedNodes().contains(0), "this process's cpuset excludes node 0");
        long length = 4 << 20;
        long address = AnonymousMappings.mapForDevice(length, length, 0);
        try {
            MemorySegment range = MemorySegment.ofAddress(address).reinterpret(length);
            for (long offset = 0; offset < length; offset += 4096) {
                range.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
            }
            String line = Files.readAllLines(Path.of("/proc/self/numa_maps")).stream()
                    .filter(numa -> numa.startsWith(Long.toHexString(address) + " ")).findFirst().orElseThrow();
            assertThat(line).contains(" bind:0 ").contains(" N0=").doesNotContain(" N1=");
            assertThat(address % AnonymousMappings.HUGE_PAGE).isZero();
        } finally {
            AnonymousMappings.unmap(address, length, length, false);
        }
    }

    private static long boundMappings() {
        try {
            return Files.readAllLines(Path.of("/proc/self/numa_maps")).stream().filter(line -> line.contains(" bind:")).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
