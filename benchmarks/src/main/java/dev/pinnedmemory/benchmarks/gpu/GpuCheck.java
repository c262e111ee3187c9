package dev.pinnedmemory.benchmarks.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The GPU check that {@code gpu-check/run.sh OUT_DIR} starts: machine facts, the {@code gpu}-tagged
 * tests, copy bandwidth and warm-up time for each working backend, the same figures from PyTorch in
 * the same run, then {@code OUT_DIR/gpu-check.json} (every figure) and {@code OUT_DIR/gpu-check.txt}
 * (the same, readable; also printed). Without a CUDA device it reports "no CUDA device" with the
 * reason and the tests as skipped, and exits 0.
 *
 * <p>Exit status: 0 when no test failed, 1 when one did, 2 for a usage error, 3 when the check
 * itself broke. System properties: {@code gpucheck.home} (the bundle directory: {@code tests/},
 * {@code torch_peer.py}), {@code gpucheck.budgetSeconds} (default 225: measurements that would
 * start later are skipped and say so), {@code gpucheck.sizesMiB} (default {@code 64,1024}),
 * {@code gpucheck.sizesGib} (default {@code 1,8}).
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: GpuCheck OUT_DIR");
            System.exit(2);
        }
        // The library logs each backend selection at INFO (the tests make many); the report names the backends.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        try {
            System.exit(run(Path.of(args[0])));
        } catch (IOException | RuntimeException e) {
            System.err.println("gpu-check: the check itself failed: " + e);
            e.printStackTrace();
            System.exit(3);
        }
    }

    static int run(Path outDir) throws IOException {
        Files.createDirectories(outDir);
        long started = System.nanoTime();
        long budget = Long.getLong("gpucheck.budgetSeconds", 225L) * 1_000_000_000L;
        BooleanSupplier inTime = () -> System.nanoTime() - started < budget - 60_000_000_000L;
        Path home = Path.of(System.getProperty("gpucheck.home", "."));
        int[] sizesMiB = ints(System.getProperty("gpucheck.sizesMiB", "64,1024"));
        int[] sizesGib = ints(System.getProperty("gpucheck.sizesGib", "1,8"));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("tool", "pinned-memory gpu-check");
        report.put("startedAt", Instant.now().toString());
        MachineFacts facts = new MachineFacts();
        report.put("machine", facts.machine);
        report.put("cuda", facts.cuda);
        System.out.println("gpu-check: " + (facts.noDevice == null ? "CUDA device usable; running the gpu tests" : facts.noDevice));

        GpuTestRun tests = new GpuTestRun(home.resolve("tests"));
        report.put("tests", tests.json());

        List<CopyBandwidth.Row> bandwidth = List.of();
        List<WarmupTiming.Row> warmup = List.of();
        Map<String, Object> backends = new LinkedHashMap<>();
        if (facts.noDevice == null) {
            System.out.println("gpu-check: measuring copy bandwidth and warm-up time");
            WorkingBackends working = new WorkingBackends();
            backends.put("working", List.copyOf(working.working.keySet()));
            backends.put("refused", working.refused);
            bandwidth = new CopyBandwidth(working, sizesMiB, inTime).rows();
            warmup = new WarmupTiming(working, sizesGib, inTime).rows();
        } else {
            backends.put("skipped", facts.noDevice);
        }
        report.put("backends", backends);

        long left = (budget - (System.nanoTime() - started)) / 1_000_000_000L - 5;
        System.out.println("gpu-check: PyTorch in the same run (at most " + Math.max(0, left) + " s)");
        TorchPeer torch = new TorchPeer(home.resolve("torch_peer.py"), sizesMiB, sizesGib, Duration.ofSeconds(Math.max(0, left)));
        report.put("torch", torch.values);
        report.put("bandwidth", bandwidthSection(facts, bandwidth, torch));
        report.put("warmup", warmupSection(facts, warmup, torch));

        long failed = tests.count("failed");
        report.put("result", failed == 0 ? "pass" : "fail");
        report.put("seconds", (System.nanoTime() - started) / 1e9);
        Files.writeString(outDir.resolve("gpu-check.json"), JsonText.of(report));
        String text = CheckText.of(report, facts, tests, bandwidth, warmup, torch);
        Files.writeString(outDir.resolve("gpu-check.txt"), text);
        System.out.print(text);
        return failed == 0 ? 0 : 1;
    }

    private static Map<String, Object> bandwidthSection(MachineFacts facts, List<CopyBandwidth.Row> rows, TorchPeer torch) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("unit", "GB/s (1e9 bytes/s), median of the measured copies, CUDA events; ratioToTorchPinned "
                + "= gbps / PyTorch pinned of the same direction and size");
        if (facts.noDevice != null) {
            section.put("status", "skipped");
            section.put("reason", facts.noDevice);
            return section;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (CopyBandwidth.Row row : rows) {
            Map<String, Object> json = row.json();
            Double reference = torch.figure(row.direction() + ".pinned." + row.sizeMiB());
            json.put("ratioToTorchPinned", reference != null && row.problem().isEmpty() ? row.medianGbps() / reference : null);
            out.add(json);
        }
        if (torch.ok()) {
            for (int size : sizes(rows)) {
                for (String direction : List.of("h2d", "d2h")) {
                    for (String kind : List.of("pinned", "pageable")) {
                        Double gbps = torch.figure(direction + "." + kind + "." + size);
                        Double reference = torch.figure(direction + ".pinned." + size);
                        Map<String, Object> json = new LinkedHashMap<>();
                        json.put("direction", direction);
                        json.put("sizeMiB", size);
                        json.put("source", "torch-" + kind);
                        json.put("gbps", gbps);
                        json.put("ratioToTorchPinned", gbps != null && reference != null ? gbps / reference : null);
                        out.add(json);
                    }
                }
            }
        }
        section.put("rows", out);
        return section;
    }

    private static Map<String, Object> warmupSection(MachineFacts facts, List<WarmupTiming.Row> rows, TorchPeer torch) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("unit", "seconds to make pinned memory: a pool of n x 1 GiB buffers built with initialSize n; "
                + "ratioToTorch = seconds / torch.empty(n GiB, dtype=torch.uint8, pin_memory=True)");
        if (facts.noDevice != null) {
            section.put("status", "skipped");
            section.put("reason", facts.noDevice);
            return section;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (WarmupTiming.Row row : rows) {
            Map<String, Object> json = row.json();
            Double torchSeconds = torch.figure("alloc.pinned." + row.gib());
            json.put("ratioToTorch", torchSeconds != null && row.problem().isEmpty() ? row.seconds() / torchSeconds : null);
            out.add(json);
        }
        section.put("rows", out);
        return section;
    }

    private static int[] sizes(List<CopyBandwidth.Row> rows) {
        return rows.stream().mapToInt(CopyBandwidth.Row::sizeMiB).distinct().toArray();
    }

    private static int[] ints(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }
}
