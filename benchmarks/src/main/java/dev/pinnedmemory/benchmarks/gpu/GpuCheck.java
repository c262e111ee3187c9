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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The GPU check that {@code gpu-check/run.sh OUT_DIR} starts: machine facts, the {@code gpu}-tagged
 * tests, copy bandwidth and warm-up time for each working backend, then the device given back and
 * the same figures from PyTorch, and {@code OUT_DIR/gpu-check.json} (every figure) and
 * {@code OUT_DIR/gpu-check.txt} (the same, readable; also printed). Without a CUDA device it
 * reports "no CUDA device" with what CUDA answered and why ({@link DeviceDiagnosis}), the tests as
 * skipped, and exits 0, or 4 where {@code gpucheck.requireDevice} (run.sh: {@code GPU_CHECK_REQUIRE_DEVICE=1})
 * asks for a device.
 *
 * <p>Nothing found is lost to a hang: each test's outcome is printed as it finishes and the JSON
 * rewritten (marked {@code incomplete}, with the phase reached) after each test and phase; tests
 * run with timeouts on threads of their own, and a test still running when the tests' time is up
 * is reported as hung (the device is then not used again); and a watchdog writes what there is and
 * stops the JVM if the whole check runs past its budget.
 *
 * <p>Exit status: 0 when no test failed, 1 when one failed or hung, 2 for a usage error, 3 when the
 * check itself broke, 4 when there is no CUDA device and one is required, 5 when the check ran past
 * its time and stopped (the partial report is written). System properties: {@code gpucheck.home}
 * (the bundle directory: {@code tests/}, {@code torch_peer.py}), {@code gpucheck.budgetSeconds}
 * (default 225: measurements that would start later are skipped and say so; the watchdog stops
 * the check 10 s after it), {@code gpucheck.testTimeoutSeconds} (default 60, per test),
 * {@code gpucheck.testsSeconds} (default 150, all tests), {@code gpucheck.sizesMiB} (default
 * {@code 64,1024}), {@code gpucheck.sizesGib} (default {@code 1,8}), {@code gpucheck.requireDevice}.
 */
public final class GpuCheck {

    static final int PASS = 0;
    static final int TEST_FAILED = 1;
    static final int USAGE = 2;
    static final int BROKEN = 3;
    static final int NO_DEVICE_REQUIRED = 4;
    static final int STOPPED = 5;

    private GpuCheck() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: GpuCheck OUT_DIR");
            System.exit(USAGE);
        }
        // The library logs each backend selection at INFO (the tests make many); the report names the backends.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Path outDir = Path.of(args[0]);
        try {
            Files.createDirectories(outDir);
            CheckReport report = new CheckReport(outDir);
            AtomicReference<String> phase = new AtomicReference<>("start");
            watchdog(report, phase, Duration.ofSeconds(budgetSeconds() + 10));
            int status = run(report, phase);
            System.exit(status);
        } catch (IOException | RuntimeException e) {
            System.err.println("gpu-check: the check itself failed: " + e);
            e.printStackTrace();
            System.exit(BROKEN);
        }
    }

    /** Runs the check into {@code outDir}: {@return the exit status} */
    static int run(Path outDir) throws IOException {
        Files.createDirectories(outDir);
        return run(new CheckReport(outDir), new AtomicReference<>("start"));
    }

    /** Stops the JVM with {@value #STOPPED} after writing what there is, if the check is still running at {@code limit}. */
    private static void watchdog(CheckReport report, AtomicReference<String> phase, Duration limit) {
        Thread.ofPlatform().name("gpu-check-watchdog").daemon().start(() -> {
            try {
                Thread.sleep(limit);
            } catch (InterruptedException e) {
                return;
            }
            String why = "the check ran past its " + limit.toSeconds() + " s";
            if (report.stoppedEarly(phase.get(), why)) {
                System.out.println("gpu-check: " + why + " in phase " + phase.get() + "; partial report written");
                System.out.flush();
                Runtime.getRuntime().halt(STOPPED);
            }
        });
    }

    private static long budgetSeconds() {
        return Long.getLong("gpucheck.budgetSeconds", 225L);
    }

    static int run(CheckReport report, AtomicReference<String> phase) {
        long budget = budgetSeconds() * 1_000_000_000L;
        long started = System.nanoTime();
        BooleanSupplier inTime = () -> System.nanoTime() - started < budget - 60_000_000_000L;
        Path home = Path.of(System.getProperty("gpucheck.home", "."));
        int[] sizesMiB = ints(System.getProperty("gpucheck.sizesMiB", "64,1024"));
        int[] sizesGib = ints(System.getProperty("gpucheck.sizesGib", "1,8"));
        String require = System.getProperty("gpucheck.requireDevice", "0").strip();
        boolean requireDevice = require.equals("1") || require.equalsIgnoreCase("true");

        phase.set("machine facts");
        report.put("tool", "pinned-memory gpu-check");
        report.put("startedAt", Instant.now().toString());
        report.put("requireDevice", requireDevice);
        MachineFacts facts = new MachineFacts();
        report.put("machine", facts.machine);
        report.put("cuda", facts.cuda);
        report.progress("gpu-check: " + (facts.noDevice == null ? "CUDA device usable; running the gpu tests"
                : facts.noDevice + "; why: " + facts.why));
        report.save(phase.get());

        phase.set("gpu tests");
        AtomicReference<GpuTestRun> holder = new AtomicReference<>();
        GpuTestRun tests = new GpuTestRun(home.resolve("tests"),
                Duration.ofSeconds(Long.getLong("gpucheck.testTimeoutSeconds", 60L)),
                Duration.ofSeconds(Long.getLong("gpucheck.testsSeconds", 150L)), outcome -> {
                    report.progress(GpuTestRun.line(outcome));
                    report.put("tests", holder.get().json());
                    report.save("gpu tests");
                });
        holder.set(tests);
        tests.run();
        report.put("tests", tests.json());
        report.save(phase.get());

        List<CopyBandwidth.Row> bandwidth = List.of();
        List<WarmupTiming.Row> warmup = List.of();
        Map<String, Object> backends = new LinkedHashMap<>();
        @Nullable DeviceRelease release = null;
        @Nullable String deviceSkipped = facts.noDevice != null ? facts.noDevice
                : tests.hung() ? "skipped: a gpu test hung, so a CUDA call may still be running; the device is not used again"
                : null;
        if (deviceSkipped == null) {
            phase.set("bandwidth");
            report.progress("gpu-check: measuring copy bandwidth");
            WorkingBackends working = new WorkingBackends();
            backends.put("working", List.copyOf(working.working.keySet()));
            backends.put("refused", working.refused);
            report.put("backends", backends);
            bandwidth = new CopyBandwidth(working, sizesMiB, inTime).rows();
            report.put("bandwidth", bandwidthSection(null, bandwidth, TorchPeer.skipped("not run yet")));
            report.save(phase.get());
            phase.set("warm-up");
            report.progress("gpu-check: measuring the time to make pinned memory");
            warmup = new WarmupTiming(working, sizesGib, inTime).rows();
            report.put("warmup", warmupSection(null, warmup, TorchPeer.skipped("not run yet")));
            report.save(phase.get());
            phase.set("device release");
            release = new DeviceRelease(Duration.ofSeconds(15));
            report.progress("gpu-check: device " + release.describe());
            report.put("deviceRelease", release.describe());
        } else {
            backends.put("skipped", deviceSkipped);
            report.put("backends", backends);
        }

        phase.set("pytorch");
        long left = (budget - (System.nanoTime() - started)) / 1_000_000_000L - 5;
        TorchPeer torch;
        if (release != null && release.released == null && "Exclusive_Process".equals(facts.computeMode())) {
            torch = TorchPeer.skipped("the GPU is in Exclusive_Process compute mode and this JVM could not give it back ("
                    + release.problem + "): PyTorch would get no context");
        } else if (tests.hung()) {
            torch = TorchPeer.skipped("a gpu test hung: the device may be wedged");
        } else {
            report.progress("gpu-check: PyTorch in the same run (at most " + Math.max(0, left) + " s)");
            torch = new TorchPeer(home.resolve("torch_peer.py"), sizesMiB, sizesGib, Duration.ofSeconds(Math.max(0, left)));
        }
        report.put("torch", torch.values);
        report.put("bandwidth", bandwidthSection(deviceSkipped, bandwidth, torch));
        report.put("warmup", warmupSection(deviceSkipped, warmup, torch));

        phase.set("report");
        long failed = tests.failures();
        int status;
        String result;
        if (failed > 0) {
            status = TEST_FAILED;
            result = "fail (" + failed + " failed test(s)" + (tests.hung() ? ", " + tests.count("hung") + " of them hung" : "") + ")";
        } else if (requireDevice && facts.noDevice != null) {
            status = NO_DEVICE_REQUIRED;
            result = "fail (no CUDA device, and GPU_CHECK_REQUIRE_DEVICE=1 requires one: " + facts.why + ")";
        } else {
            status = PASS;
            result = "pass (0 failed test(s)" + (facts.noDevice != null ? "; no CUDA device, every gpu test skipped" : "") + ")";
        }
        report.put("result", status == PASS ? "pass" : "fail");
        report.put("resultReason", result);
        report.put("exitStatus", status);
        report.put("seconds", report.seconds());
        String text = CheckText.of(report.json(), facts, tests, bandwidth, warmup, torch, result);
        report.finish(text);
        System.out.print(text);
        return status;
    }

    /** The bandwidth section; {@code skipped} says why there are no rows (null: measured). */
    static Map<String, Object> bandwidthSection(@Nullable String skipped, List<CopyBandwidth.Row> rows, TorchPeer torch) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("unit", "GB/s (1e9 bytes/s), median of the measured copies, CUDA events; ratioToTorchPinned "
                + "= gbps / PyTorch pinned of the same direction and size");
        if (skipped != null) {
            section.put("status", "skipped");
            section.put("reason", skipped);
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
            for (int size : rows.stream().mapToInt(CopyBandwidth.Row::sizeMiB).distinct().toArray()) {
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

    /** What each warm-up figure measures: the two sides do different work, and the labels say which. */
    static final String OURS = "pool warm-up: a pool of n x 1 GiB buffers built with initialSize n on up to 8 threads; "
            + "every buffer resident and zeroed when build() returns (cuda: cudaHostAlloc, then a zero fill; cuda-register "
            + "and mlock: fresh pages the kernel zeroes as they are touched or locked)";
    static final String TORCH_EMPTY = "torch.empty(n GiB, dtype=torch.uint8, pin_memory=True): one block of n GiB, not filled";
    static final String TORCH_ZEROED = "torch.zeros(n GiB, dtype=torch.uint8, pin_memory=True): one block of n GiB, zero-filled";

    /**
     * The warm-up section: our rows (zero-filled, n buffers of 1 GiB on up to 8 threads) with their
     * ratio to PyTorch's zero-filled block (like for like in what is delivered) and to its unfilled
     * block (what {@code torch.empty} costs), and PyTorch's two rows.
     */
    static Map<String, Object> warmupSection(@Nullable String skipped, List<WarmupTiming.Row> rows, TorchPeer torch) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("unit", "seconds to make pinned memory; ratioToTorchZeroed = seconds / torch.zeros (like for like: "
                + "zeroed memory), ratioToTorchEmpty = seconds / torch.empty (unfilled: less work than ours)");
        section.put("ours", OURS);
        section.put("torchEmpty", TORCH_EMPTY);
        section.put("torchZeroed", TORCH_ZEROED);
        if (skipped != null) {
            section.put("status", "skipped");
            section.put("reason", skipped);
            return section;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (WarmupTiming.Row row : rows) {
            Map<String, Object> json = row.json();
            json.put("filled", "zeroed");
            Double zeroed = torch.figure("alloc.pinned.zeroed." + row.gib());
            Double empty = torch.figure("alloc.pinned." + row.gib());
            boolean measured = row.problem().isEmpty();
            json.put("ratioToTorchZeroed", zeroed != null && measured ? row.seconds() / zeroed : null);
            json.put("ratioToTorchEmpty", empty != null && measured ? row.seconds() / empty : null);
            out.add(json);
        }
        for (int gib : rows.stream().mapToInt(WarmupTiming.Row::gib).distinct().toArray()) {
            for (String kind : List.of("empty", "zeroed")) {
                Double seconds = torch.figure(kind.equals("empty") ? "alloc.pinned." + gib : "alloc.pinned.zeroed." + gib);
                if (seconds != null) {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("gib", gib);
                    json.put("backend", "torch-" + kind);
                    json.put("seconds", seconds);
                    json.put("filled", kind.equals("empty") ? "not filled" : "zeroed");
                    out.add(json);
                }
            }
        }
        if (torch.values.get("hostCacheEmptied") instanceof String emptied && !emptied.equalsIgnoreCase("true")) {
            section.put("torchCaveat", "torch._C._host_emptyCache is missing in this torch: the zeroed block may have come "
                    + "from PyTorch's host cache");
        }
        section.put("rows", out);
        return section;
    }

    private static int[] ints(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }
}
