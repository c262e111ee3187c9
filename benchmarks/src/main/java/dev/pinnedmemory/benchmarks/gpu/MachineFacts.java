package dev.pinnedmemory.benchmarks.gpu;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.NumaTopology;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.backend.PageLockingUnavailableException;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaComputeMode;
import jcuda.runtime.cudaDeviceAttr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * What the machine is: CPU, memory, kernel, NUMA nodes (online, and those this process's cpuset
 * allows), transparent huge pages, the lock limit, the GPU as {@code nvidia-smi} describes it
 * (name, driver, PCIe link, compute mode) and as CUDA does (device, runtime and driver versions,
 * compute mode, PCI bus id and its NUMA node), where JCuda's natives were loaded from, and whether
 * the check can use CUDA, with the reason ({@link DeviceDiagnosis}) where it cannot.
 * Not thread-safe; made once per run.
 */
final class MachineFacts {

    private static final String NVIDIA_SMI_FIELDS = "name,driver_version,pci.bus_id,pcie.link.gen.current,"
            + "pcie.link.gen.max,pcie.link.width.current,pcie.link.width.max,memory.total,compute_mode";

    final Map<String, Object> machine = new LinkedHashMap<>();
    final Map<String, Object> cuda = new LinkedHashMap<>();
    /** Why CUDA cannot be used here ({@code no CUDA device: <what CUDA answered>}), or null when it can. */
    final @Nullable String noDevice;
    /** The first finding that explains {@link #noDevice}, or null when there is a device. */
    final @Nullable String why;

    MachineFacts() {
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        machine.put("lockLimit", firstValue(Path.of("/proc/self/limits"), "Max locked memory"));
        machine.put("transparentHugePages", read(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")));
        machine.put("numaNodesOnline", NumaTopology.system().onlineNodes().toString());
        // A container's cpuset may exclude the GPU's node: binding memory there then fails (EINVAL).
        machine.put("numaNodesAllowed", NumaTopology.system().allowedNodes().toString());
        machine.put("cpusAllowed", firstValue(Path.of("/proc/self/status"), "Cpus_allowed_list"));
        machine.put("tmpdir", System.getProperty("java.io.tmpdir"));
        machine.put("libraryPath", System.getProperty("java.library.path"));
        machine.put("java", System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")");
        machine.put("nvidiaSmi", nvidiaSmi());
        this.noDevice = cudaFacts();
        cuda.put("jcudaNatives", DeviceDiagnosis.loadedNatives(Path.of("/")));
        if (noDevice != null) {
            DeviceDiagnosis diagnosis = new DeviceDiagnosis(noDevice.substring("no CUDA device: ".length()),
                    gpusNvidiaSmiLists(), DeviceDiagnosis.Machine.system());
            this.why = diagnosis.why();
            cuda.put("why", diagnosis.why());
            cuda.put("diagnosis", diagnosis.findings());
        } else {
            this.why = null;
        }
    }

    /** {@return how many GPUs nvidia-smi listed, or -1 when it did not run} */
    int gpusNvidiaSmiLists() {
        Object smi = machine.get("nvidiaSmi");
        if (smi instanceof Map<?, ?> facts && facts.get("gpus") instanceof List<?> gpus) {
            return gpus.size();
        }
        return -1;
    }

    /** {@return the first GPU's compute mode as nvidia-smi writes it ({@code Default}, {@code Exclusive_Process}, ...), or null} */
    @Nullable String computeMode() {
        Object smi = machine.get("nvidiaSmi");
        if (smi instanceof Map<?, ?> facts && facts.get("gpus") instanceof List<?> gpus && !gpus.isEmpty()
                && gpus.getFirst() instanceof Map<?, ?> gpu && gpu.get("compute_mode") instanceof String mode) {
            return mode;
        }
        return cuda.get("computeMode") instanceof String mode ? mode : null;
    }

    private @Nullable String cudaFacts() {
        String problem;
        try {
            BackendReport report = PageLockingBackends.select(BackendKind.CUDA, true).report();
            cuda.put("deviceCount", report.cudaDeviceCount());
            cuda.put("deviceName", report.cudaDeviceName());
            problem = null;
        } catch (PageLockingUnavailableException e) {
            problem = e.reasons().getOrDefault("cuda", e.getMessage());
        } catch (LinkageError e) {
            problem = "JCuda did not load: " + e;
        }
        cuda.put("available", problem == null);
        if (problem != null) {
            cuda.put("reason", "no CUDA device: " + problem);
        }
        try {
            int[] version = new int[1];
            cuda.put("runtimeVersion", code(() -> JCuda.cudaRuntimeGetVersion(version)) == 0 ? version[0] : null);
            version[0] = 0;
            cuda.put("driverApiVersion", code(() -> JCuda.cudaDriverGetVersion(version)) == 0 ? version[0] : null);
            if (problem == null) {
                int[] mode = new int[1];
                if (code(() -> JCuda.cudaDeviceGetAttribute(mode, cudaDeviceAttr.cudaDevAttrComputeMode, 0)) == 0) {
                    cuda.put("computeMode", switch (mode[0]) {
                        case cudaComputeMode.cudaComputeModeDefault -> "Default";
                        case cudaComputeMode.cudaComputeModeProhibited -> "Prohibited";
                        case cudaComputeMode.cudaComputeModeExclusiveProcess -> "Exclusive_Process";
                        default -> "mode " + mode[0];
                    });
                }
                String[] busId = new String[1];
                if (code(() -> JCuda.cudaDeviceGetPCIBusId(busId, 64, 0)) == 0 && busId[0] != null) {
                    cuda.put("pciBusId", busId[0].trim());
                    cuda.put("deviceNumaNode", NumaTopology.system().nodeOfPciDevice(busId[0].trim()));
                }
            }
        } catch (LinkageError | RuntimeException e) {
            cuda.put("versions", "unavailable: " + e);
        }
        return problem == null ? null : "no CUDA device: " + problem;
    }

    /** {@return the code {@code call} returned, or -1 when JCuda threw (its exceptions may be switched on)} */
    private static int code(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (jcuda.CudaException e) {
            return -1;
        }
    }

    private static Map<String, Object> nvidiaSmi() {
        Map<String, Object> facts = new LinkedHashMap<>();
        Path smi = Processes.onPath("nvidia-smi");
        if (smi == null) {
            facts.put("available", false);
            facts.put("reason", "nvidia-smi not on PATH");
            return facts;
        }
        Processes.Outcome query = Processes.run(List.of(smi.toString(), "--query-gpu=" + NVIDIA_SMI_FIELDS,
                "--format=csv,noheader,nounits"), Duration.ofSeconds(30));
        facts.put("available", query.ok());
        if (!query.ok()) {
            facts.put("reason", query.problem() + ": " + query.output().strip());
            return facts;
        }
        String[] names = NVIDIA_SMI_FIELDS.split(",");
        List<Map<String, String>> gpus = query.output().lines().filter(line -> !line.isBlank()).map(line -> {
            String[] values = line.split(",");
            Map<String, String> gpu = new LinkedHashMap<>();
            for (int i = 0; i < names.length && i < values.length; i++) {
                gpu.put(names[i], values[i].trim());
            }
            return gpu;
        }).toList();
        facts.put("gpus", gpus);
        Processes.Outcome topology = Processes.run(List.of(smi.toString(), "topo", "-m"), Duration.ofSeconds(30));
        if (topology.ok()) {
            facts.put("topology", topology.output().strip());
        }
        return facts;
    }

    /** {@return one line describing the GPU, for the text report} */
    String gpuLine() {
        StringBuilder line = new StringBuilder();
        Object gpus = ((Map<?, ?>) machine.get("nvidiaSmi")).get("gpus");
        if (gpus instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Map<?, ?> gpu) {
            line.append(gpu.get("name")).append(", driver ").append(gpu.get("driver_version"))
                    .append(", PCIe gen ").append(gpu.get("pcie.link.gen.current")).append(" x").append(gpu.get("pcie.link.width.current"))
                    .append(" (max gen ").append(gpu.get("pcie.link.gen.max")).append(" x").append(gpu.get("pcie.link.width.max"))
                    .append("), bus ").append(gpu.get("pci.bus_id")).append(list.size() > 1 ? ", " + list.size() + " GPUs" : "");
        } else {
            line.append("nvidia-smi: ").append(((Map<?, ?>) machine.get("nvidiaSmi")).get("reason"));
        }
        if (computeMode() != null) {
            line.append(", compute mode ").append(computeMode());
        }
        line.append("; CUDA runtime ").append(cuda.get("runtimeVersion")).append(", driver API ").append(cuda.get("driverApiVersion"));
        if (cuda.containsKey("deviceNumaNode")) {
            line.append(", device NUMA node ").append(cuda.get("deviceNumaNode"));
        }
        return line.toString();
    }

    private static @Nullable String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    String rest = line.substring(key.length()).replaceFirst("^\\s*:?\\s*", "");
                    return rest.strip().replaceAll("\\s{2,}", " ");
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static @Nullable String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
