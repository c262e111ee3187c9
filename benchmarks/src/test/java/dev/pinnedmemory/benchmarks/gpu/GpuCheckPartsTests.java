package dev.pinnedmemory.benchmarks.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The check's JSON writer and its reading of the PyTorch peer's output, without a GPU. */
class GpuCheckPartsTests {

    @Test
    void jsonShouldEscapeTextAndWriteNonFiniteNumbersAsNull() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "a \"quoted\"\\ line\nand\ttab\u0001");
        value.put("gbps", Double.NaN);
        value.put("ratio", 0.5);
        value.put("count", 3);
        value.put("none", null);
        value.put("rows", List.of(Map.of(), List.of(), true));
        assertThat(JsonText.of(value)).isEqualTo("""
                {
                  "text": "a \\"quoted\\"\\\\ line\\nand\\ttab\\u0001",
                  "gbps": null,
                  "ratio": 0.5000,
                  "count": 3,
                  "none": null,
                  "rows": [
                    {},
                    [],
                    true
                  ]
                }
                """);
    }

    @Test
    void thePeersFiguresShouldBeReadAsNumbersAndItsStatusKept(@TempDir Path dir) throws IOException {
        assumeTrue(Processes.onPath("python3") != null, "no python3 on PATH");
        Path script = dir.resolve("peer.py");
        Files.writeString(script, """
                import sys
                print("torch=2.11.0")
                print("  indented=ignored")
                print("sizes=" + sys.argv[1] + "/" + sys.argv[2])
                print("h2d.pinned.64=50.5")
                print("alloc.pinned.1=0.25")
                print("status=ok")
                """);
        TorchPeer peer = new TorchPeer(script, new int[] {64, 1024}, new int[] {1, 8}, Duration.ofSeconds(60));
        assertThat(peer.ok()).isTrue();
        assertThat(peer.figure("h2d.pinned.64")).isEqualTo(50.5);
        assertThat(peer.figure("alloc.pinned.1")).isEqualTo(0.25);
        assertThat(peer.figure("torch")).isNull();
        assertThat(peer.values).containsEntry("torch", "2.11.0").containsEntry("sizes", "64,1024/1,8")
                .doesNotContainKey("indented");
    }

    @Test
    void aPeerThatFailsShouldBeReportedWithItsLastOutput(@TempDir Path dir) throws IOException {
        assumeTrue(Processes.onPath("python3") != null, "no python3 on PATH");
        Path script = dir.resolve("peer.py");
        Files.writeString(script, "import sys\nprint('h2d.pinned.64=50.5')\nraise SystemExit('CUDA error: out of memory')\n");
        TorchPeer peer = new TorchPeer(script, new int[] {64}, new int[] {1}, Duration.ofSeconds(60));
        assertThat(peer.ok()).isFalse();
        assertThat(peer.values).containsEntry("status", "failed");
        assertThat((String) peer.values.get("reason")).contains("exited with 1").contains("CUDA error: out of memory");
    }

    @Test
    void aPeerWithoutTimeOrScriptShouldBeSkippedSayingWhy(@TempDir Path dir) {
        assertThat(new TorchPeer(dir.resolve("absent.py"), new int[] {64}, new int[] {1}, Duration.ofSeconds(60)).values)
                .containsEntry("status", "skipped").extractingByKey("reason").asString().startsWith("no ");
        Path script = Path.of("gpu-check/torch_peer.py");
        assertThat(new TorchPeer(script, new int[] {64}, new int[] {1}, Duration.ofSeconds(5)).values)
                .containsEntry("reason", "skipped: the check's time budget is spent");
    }

    /** Issue 30, finding 6: a program stopped at its time limit still gives what it printed, also when a child holds the pipe. */
    @Test
    void aProgramStoppedAtItsLimitShouldStillGiveWhatItPrinted() {
        long started = System.nanoTime();
        Processes.Outcome outcome = Processes.run(List.of("sh", "-c", "echo h2d.pinned.64=50.5; echo alloc.pinned.1=0.25; "
                + "sleep 60; echo never"), Duration.ofSeconds(1));
        assertThat(outcome.exitCode()).isEqualTo(-1);
        assertThat(outcome.problem()).isEqualTo("sh ran out of its 1 s");
        assertThat(outcome.output()).isEqualTo("h2d.pinned.64=50.5\nalloc.pinned.1=0.25\n");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));   // sleep was killed too
        TorchPeer peer = new TorchPeer(outcome);
        assertThat(peer.ok()).isFalse();
        assertThat(peer.figure("h2d.pinned.64")).isEqualTo(50.5);
        assertThat(peer.figure("alloc.pinned.1")).isEqualTo(0.25);
        assertThat((String) peer.values.get("reason")).startsWith("sh ran out of its 1 s; last output: h2d.pinned.64=50.5");
    }

    @Test
    void aProgramThatEndsShouldGiveItsWholeOutputAndCode() {
        Processes.Outcome outcome = Processes.run(List.of("sh", "-c", "echo one; echo two >&2; exit 3"), Duration.ofSeconds(30));
        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.output()).contains("one\n", "two\n");
        assertThat(outcome.problem()).isEqualTo("sh exited with 3");
        assertThat(Processes.run(List.of("/nonexistent/python3"), Duration.ofSeconds(5)).problem())
                .startsWith("/nonexistent/python3 did not start: ");
    }

    /** Issue 30, finding 8: the interpreter can be named, and a wrong name is reported as such. */
    @Test
    void aNamedPythonThatIsNotAnExecutableShouldBeReportedByName(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("peer.py"), "print('status=ok')\n");
        TorchPeer peer = new TorchPeer(script, new int[] {64}, new int[] {1}, Duration.ofSeconds(60), dir.resolve("nope").toString());
        assertThat(peer.values).containsEntry("status", "skipped")
                .containsEntry("reason", "GPU_CHECK_PYTHON=" + dir.resolve("nope") + " is not an executable file");
        Path python = Processes.onPath("python3");
        assumeTrue(python != null, "no python3 on PATH");
        TorchPeer named = new TorchPeer(script, new int[] {64}, new int[] {1}, Duration.ofSeconds(60), python.toString());
        assertThat(named.ok()).isTrue();
        assertThat(named.values).containsEntry("python", python.toString());
    }

    /** The real peer script: valid Python, and without torch it says so and exits 0. */
    @Test
    void thePeerScriptWithoutTorchShouldSaySkippedAndWhy() {
        assumeTrue(Processes.onPath("python3") != null, "no python3 on PATH");
        Processes.Outcome outcome = Processes.run(List.of("python3", "-c", "import torch"), Duration.ofSeconds(60));
        assumeTrue(!outcome.ok(), "torch is installed here");
        TorchPeer peer = new TorchPeer(Path.of("gpu-check/torch_peer.py"), new int[] {64}, new int[] {1}, Duration.ofSeconds(60),
                null);
        assertThat(peer.values).containsEntry("status", "skipped");
        assertThat((String) peer.values.get("reason")).startsWith("no torch in ");
    }

    /** Issue 30, finding 9: our zeroed warm-up is set against PyTorch's zeroed block and its unfilled one, each labelled. */
    @Test
    void warmUpRowsShouldBeSetAgainstBothTorchRowsAndSayWhichIsWhich() {
        TorchPeer torch = new TorchPeer(new Processes.Outcome(0, """
                alloc.pinned.8=2.0
                alloc.pinned.8.isPinned=True
                alloc.pinned.zeroed.8=4.0
                hostCacheEmptied=True
                status=ok
                """, null));
        Map<String, Object> section = GpuCheck.warmupSection(null,
                List.of(new WarmupTiming.Row(8, "cuda", 3.0, 8, ""), new WarmupTiming.Row(8, "mlock", 0, 8, "warm-up failed: ENOMEM")),
                torch);
        assertThat(section).containsEntry("ours", GpuCheck.OURS).containsEntry("torchEmpty", GpuCheck.TORCH_EMPTY)
                .containsEntry("torchZeroed", GpuCheck.TORCH_ZEROED).doesNotContainKey("torchCaveat");
        assertThat(GpuCheck.OURS).contains("zeroed", "8 threads", "n x 1 GiB");
        assertThat(GpuCheck.TORCH_EMPTY).contains("torch.empty", "not filled");
        assertThat(GpuCheck.TORCH_ZEROED).contains("torch.zeros", "zero-filled");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) section.get("rows");
        assertThat(rows.get(0)).containsEntry("backend", "cuda").containsEntry("filled", "zeroed")
                .containsEntry("ratioToTorchZeroed", 0.75).containsEntry("ratioToTorchEmpty", 1.5);
        assertThat(rows.get(1)).containsEntry("backend", "mlock").containsEntry("ratioToTorchZeroed", null);
        assertThat(rows.get(2)).containsEntry("backend", "torch-empty").containsEntry("seconds", 2.0).containsEntry("filled", "not filled");
        assertThat(rows.get(3)).containsEntry("backend", "torch-zeroed").containsEntry("seconds", 4.0).containsEntry("filled", "zeroed");
        TorchPeer cached = new TorchPeer(new Processes.Outcome(0, "alloc.pinned.zeroed.8=0.001\nhostCacheEmptied=False\nstatus=ok\n",
                null));
        assertThat(GpuCheck.warmupSection(null, List.of(), cached)).containsKey("torchCaveat");
        assertThat(GpuCheck.warmupSection("no CUDA device: x", List.of(), cached)).containsEntry("status", "skipped");
    }

    /** Issue 30, finding 4: the report names why no device was used, from what the machine shows. */
    @Test
    void theDiagnosisShouldNameTheFirstThingThatExplainsTheMissingDevice(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("proc/self"));
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve("proc/self/maps"), "7f00-7f10 r-xp 0 08:01 12 /opt/gpu-check/natives/"
                + "libJCudaRuntime-12.6.0-linux-x86_64.so\n");
        Files.writeString(root.resolve("proc/self/mountinfo"), "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                + "23 22 0:20 / /tmp rw,nosuid,nodev,noexec shared:2 - tmpfs tmpfs rw\n");
        Map<String, String> environment = Map.of();
        DeviceDiagnosis noDriver = new DeviceDiagnosis("cudaErrorInsufficientDriver (35)", -1,
                new DeviceDiagnosis.Machine(root, environment, "/tmp", library -> false));
        assertThat(noDriver.why()).isEqualTo("no NVIDIA driver: libcuda.so.1 is not found by the dynamic loader");
        assertThat(noDriver.findings()).contains("JCuda's natives loaded from /opt/gpu-check/natives/"
                        + "libJCudaRuntime-12.6.0-linux-x86_64.so",
                "java.io.tmpdir /tmp is on a noexec mount (/tmp): libraries extracted there cannot be loaded",
                "no /dev/nvidiactl: no NVIDIA kernel driver, or a container started without the GPU",
                "nvidia-smi did not run (not on PATH, or it failed)");

        Files.writeString(root.resolve("proc/self/maps"), "");
        DeviceDiagnosis noexec = new DeviceDiagnosis("JCuda natives did not load: UnsatisfiedLinkError: failed to map "
                + "segment from shared object", 1, new DeviceDiagnosis.Machine(root, environment, "/tmp", library -> true));
        assertThat(noexec.why()).isEqualTo("JCuda's natives did not load (java.io.tmpdir /tmp is on a noexec mount (/tmp): "
                + "libraries extracted there cannot be loaded): JCuda natives did not load: UnsatisfiedLinkError: failed to "
                + "map segment from shared object");
        assertThat(noexec.findings()).contains("nvidia-smi lists 1 GPU(s), yet CUDA answered JCuda natives did not load: "
                + "UnsatisfiedLinkError: failed to map segment from shared object");

        Files.createDirectories(root.resolve("dev"));
        Files.writeString(root.resolve("dev/nvidiactl"), "");
        DeviceDiagnosis hidden = new DeviceDiagnosis("cudaErrorNoDevice (100)", 1,
                new DeviceDiagnosis.Machine(root, Map.of("CUDA_VISIBLE_DEVICES", ""), "/", library -> true));
        assertThat(hidden.why()).isEqualTo("CUDA_VISIBLE_DEVICES='' hides every device");
        DeviceDiagnosis old = new DeviceDiagnosis("cudaErrorInsufficientDriver (35)", 1,
                new DeviceDiagnosis.Machine(root, Map.of(), "/", library -> true));
        assertThat(old.why()).isEqualTo("the installed driver is older than the CUDA 12.6 runtime that JCuda 12.6.0 links: "
                + "cudaErrorInsufficientDriver (35)");
        assertThat(DeviceDiagnosis.tmpdirProblem(new DeviceDiagnosis.Machine(root, Map.of(), "/absent", library -> true)))
                .isEqualTo("java.io.tmpdir /absent does not exist");
    }
}
