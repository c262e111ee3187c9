package dev.pinnedmemory.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code numa-node} values and what sysfs says, on a test sysfs root. */
class NumaTopologyTests {

    @Test
    void parseShouldAcceptNoneAutoAndNodeNumbersAndNameWhatItRefuses() {
        assertThat(NumaNode.parse(" None ")).isSameAs(NumaNode.NONE);
        assertThat(NumaNode.parse("AUTO")).isSameAs(NumaNode.AUTO);
        assertThat(NumaNode.parse("3")).isEqualTo(NumaNode.of(3)).hasToString("3");
        assertThat(NumaNode.of(3).id()).isEqualTo(3);
        assertThat(NumaNode.AUTO.id()).isEqualTo(-1);
        for (String bad : new String[] {"", "-1", "near", "1.5", "99999", "1024"}) {
            assertThatThrownBy(() -> NumaNode.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: none, auto, or a node number from 0 to 1023");
        }
    }

    @Test
    void onlineNodesShouldFollowTheKernelsRangeList(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0-3,8,10-11\n");
        NumaTopology machine = NumaTopology.of(root, () -> null);
        assertThat(machine.onlineNodes()).containsExactly(0, 1, 2, 3, 8, 10, 11);
        assertThat(NumaTopology.describe(machine.onlineNodes())).isEqualTo("0-3,8,10-11");
        assertThat(NumaTopology.of(root.resolve("absent"), () -> null).onlineNodes()).containsExactly(0);
    }

    @Test
    void thisMachineShouldHaveNodeZeroOnline() {
        assertThat(NumaTopology.system().onlineNodes()).contains(0);
        assertThat(NumaTopology.system().allowedNodes()).isSubsetOf(NumaTopology.system().onlineNodes());
        assumeTrue(NumaTopology.system().allowedNodes().contains(0), "this process's cpuset excludes node 0");
        assertThat(NumaTopology.system().resolve(NumaNode.of(0))).isZero();
        assertThat(NumaTopology.system().resolve(NumaNode.NONE)).isEqualTo(-1);
    }

    @Test
    void allowedNodesShouldBeTheOnlineNodesTheProcessesCpusetAllows(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0-3\n");
        assertThat(NumaTopology.of(root, () -> null).allowedNodes()).as("no status file").containsExactly(0, 1, 2, 3);
        write(root, "proc/self/status", "Name:\tjava\nCpus_allowed_list:\t0-7\nMems_allowed:\t00000000,00000005\n"
                + "Mems_allowed_list:\t0,2,9\nVmLck:\t0 kB\n");
        NumaTopology machine = NumaTopology.of(root, () -> null);
        assertThat(machine.allowedNodes()).containsExactly(0, 2);   // 9 is not online
        assertThat(machine.processStatusFile()).isEqualTo(root.resolve("proc/self/status"));
    }

    @Test
    void aNodeOnlineButOutsideTheCpusetShouldBeRefusedNamingMemsAllowed(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0-1\n");
        write(root, "proc/self/status", "Mems_allowed_list:\t0\n");
        NumaTopology container = NumaTopology.of(root, () -> null);
        assertThat(container.resolve(NumaNode.of(0))).isZero();
        assertThatThrownBy(() -> container.resolve(NumaNode.of(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numaNode: 1 is online but this process may not use it: its cpuset allows Mems_allowed_list 0 "
                        + "(from " + root.resolve("proc/self/status") + "), so mbind(MPOL_BIND) would fail with EINVAL "
                        + "(expected: none, auto, or one of 0)");
        assertThat(AnonymousMappings.notAllowedHint(container, 1)).isEqualTo(" (node 1 is online, but this process's cpuset "
                + "allows only nodes 0: Mems_allowed_list in " + root.resolve("proc/self/status") + ")");
        assertThat(AnonymousMappings.notAllowedHint(container, 0)).isEmpty();
        assertThat(AnonymousMappings.notAllowedHint(container, 5)).isEmpty();   // not online: the errno says enough
    }

    @Test
    void autoShouldBindNothingWhenTheCpusetExcludesTheDevicesNode(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0-1\n");
        write(root, "sys/bus/pci/devices/0000:3b:00.0/numa_node", "1\n");
        write(root, "proc/self/status", "Mems_allowed_list:\t0\n");
        assertThat(NumaTopology.of(root, () -> "0000:3b:00.0").resolve(NumaNode.AUTO)).isEqualTo(-1);
        write(root, "proc/self/status", "Mems_allowed_list:\t0-1\n");
        assertThat(NumaTopology.of(root, () -> "0000:3b:00.0").resolve(NumaNode.AUTO)).isEqualTo(1);
    }

    @Test
    void aDevicesNodeShouldBeFoundWhateverCaseAndDomainWidthCudaWrites(@TempDir Path root) throws IOException {
        write(root, "sys/bus/pci/devices/0000:3b:00.0/numa_node", "1\n");
        write(root, "sys/bus/pci/devices/0000:5e:00.0/numa_node", "-1\n");
        NumaTopology machine = NumaTopology.of(root, () -> null);
        assertThat(machine.nodeOfPciDevice("0000:3B:00.0")).isEqualTo(1);
        assertThat(machine.nodeOfPciDevice("00000000:3b:00.0")).isEqualTo(1);
        assertThat(machine.nodeOfPciDevice("0000:5e:00.0")).isEqualTo(-1);
        assertThat(machine.nodeOfPciDevice("0000:99:00.0")).isEqualTo(-1);
    }

    @Test
    void autoShouldResolveToTheDevicesNodeWhenItIsOnline(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0-1\n");
        write(root, "sys/bus/pci/devices/0000:3b:00.0/numa_node", "1\n");
        assertThat(NumaTopology.of(root, () -> "0000:3B:00.0").resolve(NumaNode.AUTO)).isEqualTo(1);
        assertThat(NumaTopology.of(root, () -> null).resolve(NumaNode.AUTO)).isEqualTo(-1);
        assertThat(NumaTopology.of(root, () -> "0000:3b:00.0").resolve(NumaNode.of(1))).isEqualTo(1);
    }

    @Test
    void aNodeThatIsNotOnlineShouldBeRefusedNamingTheOnlineNodes(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "0,2-3\n");
        assertThatThrownBy(() -> NumaTopology.of(root, () -> null).resolve(NumaNode.of(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("numaNode: 1 is not an online NUMA node (expected: none, auto, or one of 0,2-3, from ")
                .hasMessageEndingWith("sys/devices/system/node/online)");
    }

    @Test
    void aGarbledOnlineFileShouldBeNamed(@TempDir Path root) throws IOException {
        write(root, "sys/devices/system/node/online", "zero\n");
        assertThatThrownBy(() -> NumaTopology.of(root, () -> null).onlineNodes())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'zero' (expected node ranges such as 0-3,8)");
    }

    private static void write(Path root, String file, String text) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }
}
