package dev.pinnedmemory.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * What this machine says about its NUMA nodes, read from sysfs and procfs: the nodes online
 * ({@code /sys/devices/system/node/online}), the nodes this process may take memory from
 * ({@code Mems_allowed_list} in {@code /proc/self/status}: a container's cpuset may exclude some)
 * and the node of a PCI device ({@code /sys/bus/pci/devices/<id>/numa_node}). {@link #resolve}
 * turns a configured {@link NumaNode} into a node to bind to. The root of both trees and the CUDA
 * device's bus id are injectable, so tests can describe any machine. Reads the files on each call;
 * immutable; thread-safe.
 */
public final class NumaTopology {

    private static final System.Logger LOG = System.getLogger(NumaTopology.class.getName());
    private static final NumaTopology SYSTEM = new NumaTopology(Path.of("/"), PageLockingBackends::cudaDevicePciBusId);

    private final Path root;
    private final Supplier<@Nullable String> deviceBusId;

    private NumaTopology(Path root, Supplier<@Nullable String> deviceBusId) {
        this.root = root;
        this.deviceBusId = deviceBusId;
    }

    /** {@return this machine: sysfs under {@code /}, the bus id of the current CUDA device from JCuda} */
    public static NumaTopology system() {
        return SYSTEM;
    }

    /**
     * {@return a machine described by a sysfs and procfs tree under {@code root} (so
     * {@code root/sys/devices/...} and {@code root/proc/self/status}) and a source of the CUDA
     * device's PCI bus id (null: no device)}
     */
    public static NumaTopology of(Path root, Supplier<@Nullable String> deviceBusId) {
        return new NumaTopology(Objects.requireNonNull(root, "root"), Objects.requireNonNull(deviceBusId, "deviceBusId"));
    }

    /** {@return the online node numbers, ascending; {@code [0]} where the kernel has no NUMA support to say} */
    public List<Integer> onlineNodes() {
        Path online = onlineNodesFile();
        String text;
        try {
            text = Files.readString(online).trim();
        } catch (IOException e) {
            return List.of(0);
        }
        return parseRanges(text, online);
    }

    /** {@return the file the online nodes are read from: {@code sys/devices/system/node/online} under the root} */
    public Path onlineNodesFile() {
        return root.resolve("sys/devices/system/node/online");
    }

    /**
     * {@return the nodes this process may take memory from, ascending: the online nodes that its
     * {@code Mems_allowed_list} ({@code proc/self/status} under the root) names} Binding memory to
     * another node fails ({@code mbind(MPOL_BIND)} answers {@code EINVAL}): inside a container whose
     * cpuset excludes a node, that node is online but not allowed. Where the status file does not
     * say, the online nodes.
     */
    public List<Integer> allowedNodes() {
        List<Integer> online = onlineNodes();
        String allowed = memsAllowed();
        if (allowed == null) {
            return online;
        }
        List<Integer> nodes = new ArrayList<>(parseRanges(allowed, processStatusFile()));
        nodes.retainAll(online);
        return List.copyOf(nodes);
    }

    /** {@return the file {@code Mems_allowed_list} is read from: {@code proc/self/status} under the root} */
    public Path processStatusFile() {
        return root.resolve("proc/self/status");
    }

    /** {@return the value of {@code Mems_allowed_list} in the status file, or null where it has none} */
    private @Nullable String memsAllowed() {
        try {
            for (String line : Files.readAllLines(processStatusFile())) {
                if (line.startsWith("Mems_allowed_list:")) {
                    return line.substring("Mems_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * {@return the NUMA node of the PCI device {@code busId} (as CUDA writes it, e.g.
     * {@code 0000:3B:00.0} or {@code 00000000:3b:00.0}), or -1 when sysfs has none or says -1}
     */
    public int nodeOfPciDevice(String busId) {
        Path file = root.resolve("sys/bus/pci/devices").resolve(sysfsName(busId)).resolve("numa_node");
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * {@return the node to bind to, or -1 for none} {@code none} gives -1; a number gives itself if
     * it is online and this process may use it ({@link #allowedNodes}); {@code auto} gives the node
     * of the current CUDA device, or -1 (logged at INFO with the reason) when there is no device,
     * the machine does not say, or the process's cpuset excludes that node.
     *
     * @throws IllegalArgumentException for a node that is not online, or not allowed to this
     *     process, naming the nodes it may use and where that was read
     */
    public int resolve(NumaNode node) {
        if (node.isNone()) {
            return -1;
        }
        if (node.isAuto()) {
            String busId = deviceBusId.get();
            if (busId == null) {
                LOG.log(System.Logger.Level.INFO, "pinned-memory numa-node auto: no CUDA device, memory is not bound");
                return -1;
            }
            int found = nodeOfPciDevice(busId);
            if (found < 0) {
                LOG.log(System.Logger.Level.INFO, "pinned-memory numa-node auto: sysfs gives no node for CUDA device {0}, "
                        + "memory is not bound", busId);
                return -1;
            }
            String allowed = memsAllowed();
            if (onlineNodes().contains(found) && !allowedNodes().contains(found)) {
                LOG.log(System.Logger.Level.INFO, "pinned-memory numa-node auto: CUDA device {0} is on NUMA node {1}, "
                        + "which this process may not use (Mems_allowed_list {2}, from {3}: its cpuset excludes the node); "
                        + "memory is not bound", busId, found, allowed, processStatusFile());
                return -1;
            }
            return check(found, "the NUMA node of CUDA device " + busId);
        }
        return check(node.id(), "numaNode");
    }

    private int check(int id, String what) {
        List<Integer> online = onlineNodes();
        if (!online.contains(id)) {
            throw new IllegalArgumentException(what + ": " + id + " is not an online NUMA node (expected: none, auto, or one of "
                    + describe(online) + ", from " + root.resolve("sys/devices/system/node/online") + ")");
        }
        List<Integer> allowed = allowedNodes();
        if (!allowed.contains(id)) {
            throw new IllegalArgumentException(what + ": " + id + " is online but this process may not use it: its cpuset "
                    + "allows Mems_allowed_list " + memsAllowed() + " (from " + processStatusFile() + "), so "
                    + "mbind(MPOL_BIND) would fail with EINVAL (expected: none, auto, or one of "
                    + (allowed.isEmpty() ? "no node" : describe(allowed)) + ")");
        }
        return id;
    }

    /** {@return nodes as the kernel writes them: {@code 0-3,8}} */
    static String describe(List<Integer> nodes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            int first = nodes.get(i);
            int last = first;
            while (i + 1 < nodes.size() && nodes.get(i + 1) == last + 1) {
                last = nodes.get(++i);
            }
            text.append(text.isEmpty() ? "" : ",").append(first).append(last > first ? "-" + last : "");
        }
        return text.toString();
    }

    private static List<Integer> parseRanges(String text, Path source) {
        List<Integer> nodes = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                String[] range = part.trim().split("-");
                int first = Integer.parseInt(range[0]);
                int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
                for (int id = first; id <= last && id <= NumaNode.MAX_NODE; id++) {
                    nodes.add(id);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalStateException(source + ": '" + text + "' (expected node ranges such as 0-3,8)", e);
        }
        return List.copyOf(nodes);
    }

    /** sysfs names PCI devices {@code dddd:bb:dd.f} in lower case; CUDA may write the domain with 8 digits. */
    static String sysfsName(String busId) {
        String id = busId.trim().toLowerCase(Locale.ROOT);
        int colon = id.indexOf(':');
        if (colon > 4 && id.chars().filter(c -> c == ':').count() == 2) {
            id = id.substring(colon - 4);
        }
        return id;
    }
}
