package dev.pinnedmemory.benchmarks.gpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Why the check could not use a CUDA device, in the words of the machine: whether JCuda's natives
 * loaded and from where (a {@code noexec} or stale {@code java.io.tmpdir} keeps them from loading or
 * loads another build's), whether the dynamic loader finds the driver's {@code libcuda.so.1},
 * whether the NVIDIA device nodes exist, whether {@code CUDA_VISIBLE_DEVICES} hides every device,
 * and what {@code nvidia-smi} sees. {@link #why()} is the first of these that explains the
 * driver's answer. The files and the environment it reads are injectable, so tests can describe
 * any machine. Immutable after construction.
 */
final class DeviceDiagnosis {

    /** What the machine offers for the diagnosis; {@link #system()} reads this one. */
    record Machine(Path root, Map<String, String> environment, String tmpdir, Predicate<String> libraryLoads) {

        static Machine system() {
            return new Machine(Path.of("/"), System.getenv(), System.getProperty("java.io.tmpdir", "/tmp"),
                    DeviceDiagnosis::loads);
        }
    }

    private final List<String> findings = new ArrayList<>();
    private final String why;

    /**
     * @param problem what CUDA answered, e.g. {@code cudaErrorInsufficientDriver (35)} or {@code JCuda natives did not load: ...}
     * @param gpusNvidiaSmiLists how many GPUs {@code nvidia-smi} listed (-1: it did not run)
     */
    DeviceDiagnosis(String problem, int gpusNvidiaSmiLists, Machine machine) {
        String natives = loadedNatives(machine.root());
        String tmpdirProblem = tmpdirProblem(machine);
        boolean nativesFailed = natives == null && (problem.contains("natives") || problem.contains("did not load"));
        if (natives != null) {
            findings.add("JCuda's natives loaded from " + natives);
        } else {
            findings.add("JCuda's natives are not loaded" + (nativesFailed ? ": " + problem : ""));
        }
        if (tmpdirProblem != null) {
            findings.add(tmpdirProblem);
        }
        boolean driver = machine.libraryLoads().test("libcuda.so.1");
        findings.add(driver ? "the dynamic loader finds the NVIDIA driver's libcuda.so.1"
                : "the dynamic loader does not find libcuda.so.1: no NVIDIA driver is installed here (or not in the "
                + "loader's path, as LD_LIBRARY_PATH=" + machine.environment().getOrDefault("LD_LIBRARY_PATH", "") + " says)");
        boolean nodes = Files.exists(machine.root().resolve("dev/nvidiactl"));
        findings.add(nodes ? "/dev/nvidiactl exists" : "no /dev/nvidiactl: no NVIDIA kernel driver, or a container started "
                + "without the GPU");
        String visible = machine.environment().get("CUDA_VISIBLE_DEVICES");
        boolean hidden = visible != null && (visible.isBlank() || visible.strip().startsWith("-"));
        if (visible != null) {
            findings.add("CUDA_VISIBLE_DEVICES='" + visible + "'" + (hidden ? ": hides every device" : ""));
        }
        if (gpusNvidiaSmiLists > 0) {
            findings.add("nvidia-smi lists " + gpusNvidiaSmiLists + " GPU(s), yet CUDA answered " + problem);
        } else if (gpusNvidiaSmiLists == 0) {
            findings.add("nvidia-smi lists no GPU");
        } else {
            findings.add("nvidia-smi did not run (not on PATH, or it failed)");
        }
        if (nativesFailed) {
            why = "JCuda's natives did not load" + (tmpdirProblem != null ? " (" + tmpdirProblem + ")" : "") + ": " + problem;
        } else if (!driver) {
            why = "no NVIDIA driver: libcuda.so.1 is not found by the dynamic loader";
        } else if (!nodes) {
            why = "no NVIDIA device nodes (/dev/nvidiactl): no kernel driver, or the container has no GPU";
        } else if (hidden) {
            why = "CUDA_VISIBLE_DEVICES='" + visible + "' hides every device";
        } else if (problem.contains("(35)")) {
            why = "the installed driver is older than the CUDA 12.6 runtime that JCuda 12.6.0 links: " + problem;
        } else {
            why = "the CUDA driver answered " + problem;
        }
    }

    /** {@return the first finding that explains why no device was used} */
    String why() {
        return why;
    }

    /** {@return everything found, one line each} */
    List<String> findings() {
        return List.copyOf(findings);
    }

    /** {@return the file JCuda's runtime library was loaded from, read from {@code proc/self/maps}, or null} */
    static @Nullable String loadedNatives(Path root) {
        try {
            for (String line : Files.readAllLines(root.resolve("proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.contains("libJCudaRuntime")) {
                    return line.substring(at).strip();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * {@return what is wrong with {@code java.io.tmpdir} for extracting native libraries (JCuda
     * loads from there where {@code java.library.path} does not have them), or null}: missing, not
     * writable, or on a {@code noexec} mount (read from {@code proc/self/mountinfo}).
     */
    static @Nullable String tmpdirProblem(Machine machine) {
        Path tmpdir = Path.of(machine.tmpdir());
        Path onMachine = machine.root().resolve(tmpdir.toString().substring(1));
        if (!Files.isDirectory(onMachine)) {
            return "java.io.tmpdir " + tmpdir + " does not exist";
        }
        if (!Files.isWritable(onMachine)) {
            return "java.io.tmpdir " + tmpdir + " is not writable";
        }
        String mount = "";
        boolean noexec = false;
        try {
            for (String line : Files.readAllLines(machine.root().resolve("proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                if (fields.length < 6) {
                    continue;
                }
                String point = fields[4];
                if (under(tmpdir.toString(), point) && point.length() >= mount.length()) {
                    mount = point;
                    noexec = List.of(fields[5].split(",")).contains("noexec");
                }
            }
        } catch (IOException e) {
            return null;
        }
        return noexec ? "java.io.tmpdir " + tmpdir + " is on a noexec mount (" + mount + "): libraries extracted there "
                + "cannot be loaded" : null;
    }

    private static boolean under(String path, String mount) {
        return mount.equals("/") || path.equals(mount) || path.startsWith(mount + "/");
    }

    private static boolean loads(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
