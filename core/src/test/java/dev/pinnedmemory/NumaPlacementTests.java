package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaPlacement;
import dev.pinnedmemory.backend.NumaTopology;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.backend.PageLockingUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code numa-node}: what the kernel reports for a placed pool's memory, read from {@code /proc/self/numa_maps}. */
class NumaPlacementTests {

    private static final int LENGTH = 4 << 20;

    @Test
    void aPoolOnNodeZeroShouldHaveItsMlockedBuffersBoundToNodeZero() {
        requireNodeZero();
        PageLockingBackend mlock = mlockOrSkip();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH).initialSize(1)
                .backend(mlock).numaNode(NumaNode.of(0)).name("placed").build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            buffer.fill(7);
            assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("bind:0");
            assertThat(NumaMaps.lineOf(buffer.address())).contains("N0=");
            assertThat(LockedMemory.smapsLocked(buffer.address(), LENGTH)).isTrue();
            assertThat(pool.stats().numaNode()).isZero();
            assertThat(pool.backend().name()).isEqualTo("mlock");
            assertThat(PageLockingBackends.nodeOf(pool.backend())).isZero();
        }
    }

    /** The settings keep what was asked; the pool says what it was bound to (node 0 is online here and mbind works). */
    @Test
    void aPlacementShouldSayWhatWasAskedAndWhatWasBound(@TempDir Path root) throws IOException {
        PoolSettings<byte[]> onZero = PoolSettings.builder(ElementType.BYTE).bufferSize(4096).numaNode(NumaNode.of(0)).build();
        try (PinnedMemoryPool<byte[]> placed = PinnedMemoryPool.builder(onZero).backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<byte[]> unplaced = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                     .backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<byte[]> autoNoDevice = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                     .numaNode(NumaNode.AUTO).backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<byte[]> autoOnDevice = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                     .numaNode(NumaNode.AUTO).backend(PageLockingBackends.unlocked())
                     .numaTopology(twoNodeMachine(root, "0000:3b:00.0", "0")).build()) {
            assertThat(onZero.numaNode()).as("the settings keep what was asked").isEqualTo(NumaNode.of(0));
            assertThat(placed.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.of(0), OptionalInt.of(0)));
            assertThat(placed.numaPlacement().isBound()).isTrue();
            assertThat(unplaced.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.NONE, OptionalInt.empty()));
            assertThat(autoNoDevice.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.AUTO, OptionalInt.empty()));
            assertThat(autoNoDevice.numaPlacement().isBound()).isFalse();
            assertThat(autoOnDevice.numaPlacement()).isEqualTo(new NumaPlacement(NumaNode.AUTO, OptionalInt.of(0)));
            assertThat(autoOnDevice.numaPlacement()).hasToString("numa-node auto, bound to node 0");
            assertThat(unplaced.numaPlacement()).hasToString("numa-node none, not bound");
            assertThat(placed.stats().numaNode()).as("stats: the bound node").isZero();
            assertThat(autoNoDevice.stats().numaNode()).as("stats: -1 when not bound").isEqualTo(-1);
        }
        assertThatThrownBy(() -> new NumaPlacement(NumaNode.of(1), OptionalInt.of(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bound: node 0 (expected: node 1, the node asked for)");
        assertThatThrownBy(() -> new NumaPlacement(NumaNode.of(1), OptionalInt.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bound: none (expected: node 1, the node asked for)");
        assertThatThrownBy(() -> new NumaPlacement(NumaNode.AUTO, OptionalInt.of(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("bound: node -1 (expected: 0 to 1023");
    }

    @Test
    void aPoolOnNodeZeroShouldBindUnlockedMemoryToo() {
        requireNodeZero();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.parse("0")).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            buffer.fill(1);
            assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("bind:0");
            assertThat(pool.stats().numaNode()).isZero();
        }
    }

    @Test
    void buffersOfAResizedPlacedPoolShouldStayBound() {
        requireNodeZero();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.of(0)).build()) {
            pool.resize(LENGTH);
            try (PinnedBuffer<byte[]> buffer = pool.rent()) {
                buffer.fill(3);
                assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("bind:0");
            }
        }
    }

    @Test
    void aPoolWithoutANodeShouldLeaveItsMemoryToTheKernel() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            buffer.fill(1);
            assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("default");
            assertThat(pool.stats().numaNode()).isEqualTo(-1);
        }
    }

    @Test
    void aNodeThatIsNotOnlineShouldFailTheBuildNamingTheNodesThereAre() {
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.of(7)).build())
                .isInstanceOf(InvalidPoolSettingException.class)
                .hasMessageStartingWith("numaNode must be an online NUMA node of this machine ("
                        + NumaTopology.system().onlineNodes().getFirst())
                .hasMessageEndingWith(", from /sys/devices/system/node/online) but was 7");
    }

    @Test
    void autoShouldBindToTheNodeSysfsGivesForTheCudaDevice(@TempDir Path root) throws IOException {
        requireNodeZero();
        NumaTopology machine = twoNodeMachine(root, "0000:3b:00.0", "0");
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.AUTO)
                .numaTopology(NumaTopology.of(root, () -> "00000000:3B:00.0")).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            buffer.fill(1);
            assertThat(machine.onlineNodes()).containsExactly(0, 1);
            assertThat(pool.stats().numaNode()).isZero();
            assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("bind:0");
        }
    }

    @Test
    void autoShouldLeaveMemoryUnboundWhenTheDeviceHasNoNodeOrThereIsNoDevice(@TempDir Path root) throws IOException {
        twoNodeMachine(root, "0000:3b:00.0", "-1");
        try (PinnedMemoryPool<byte[]> unknown = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.AUTO)
                .numaTopology(NumaTopology.of(root, () -> "0000:3b:00.0")).build();
             PinnedMemoryPool<byte[]> noDevice = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.AUTO).build()) {
            assertThat(unknown.stats().numaNode()).isEqualTo(-1);
            assertThat(noDevice.stats().numaNode()).isEqualTo(-1);   // no CUDA device on this machine
            try (PinnedBuffer<byte[]> buffer = unknown.rent()) {
                assertThat(NumaMaps.policyOf(buffer.address())).isEqualTo("default");
            }
        }
    }

    @Test
    void autoShouldFailWhenTheDevicesNodeIsNotOnline(@TempDir Path root) throws IOException {
        twoNodeMachine(root, "0000:3b:00.0", "3");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH)
                .backend(PageLockingBackends.unlocked()).numaNode(NumaNode.AUTO)
                .numaTopology(NumaTopology.of(root, () -> "0000:3b:00.0")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the NUMA node of CUDA device 0000:3b:00.0: 3 is not an online NUMA node")
                .hasMessageContaining("one of 0-1");
    }

    @Test
    void aBackendThatCannotPlaceMemoryShouldBeRefusedByName() {
        CountingBackend counting = new CountingBackend(PageLockingBackends.unlocked());
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(LENGTH).backend(counting)
                .numaNode(NumaNode.of(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot place memory on a NUMA node");
    }

    /** These tests bind to node 0: skipped where this process's cpuset (Mems_allowed_list) excludes it. */
    private static void requireNodeZero() {
        assumeTrue(NumaTopology.system().allowedNodes().contains(0), "this process's cpuset excludes NUMA node 0");
    }

    private static NumaTopology twoNodeMachine(Path root, String device, String node) throws IOException {
        Path online = root.resolve("sys/devices/system/node/online");
        Files.createDirectories(online.getParent());
        Files.writeString(online, "0-1\n");
        Path numaNode = root.resolve("sys/bus/pci/devices").resolve(device).resolve("numa_node");
        Files.createDirectories(numaNode.getParent());
        Files.writeString(numaNode, node + "\n");
        return NumaTopology.of(root, () -> device);
    }

    private static PageLockingBackend mlockOrSkip() {
        try {
            return PageLockingBackends.select(BackendKind.MLOCK, true).backend();
        } catch (PageLockingUnavailableException e) {
            assumeTrue(false, e.getMessage());
            throw e;
        }
    }
}
