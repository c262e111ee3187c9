package dev.pinnedmemory.benchmarks.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The readable {@code gpu-check.txt}: the same facts and figures as the JSON, one line each. Stateless. */
final class CheckText {

    private CheckText() {
    }

    static String of(Map<String, Object> report, MachineFacts facts, GpuTestRun tests, List<CopyBandwidth.Row> bandwidth,
                     List<WarmupTiming.Row> warmup, TorchPeer torch, String result) {
        StringBuilder out = new StringBuilder();
        line(out, "pinned-memory GPU check, %s", report.get("startedAt"));
        line(out, "machine: %s, %s CPUs (allowed %s), %s, NUMA nodes %s (allowed %s), THP %s, lock limit %s",
                facts.machine.get("cpu"), facts.machine.get("cpus"), facts.machine.get("cpusAllowed"), facts.machine.get("memory"),
                facts.machine.get("numaNodesOnline"), facts.machine.get("numaNodesAllowed"),
                facts.machine.get("transparentHugePages"), facts.machine.get("lockLimit"));
        line(out, "java: %s", facts.machine.get("java"));
        line(out, "gpu: %s", facts.gpuLine());
        if (facts.noDevice == null) {
            line(out, "cuda: usable, %s device(s), device 0 %s; JCuda natives %s", facts.cuda.get("deviceCount"),
                    facts.cuda.get("deviceName"), facts.cuda.get("jcudaNatives"));
        } else {
            line(out, "cuda: %s", facts.noDevice);
            line(out, "  why: %s", facts.why);
            if (facts.cuda.get("diagnosis") instanceof List<?> findings) {
                findings.forEach(finding -> line(out, "  - %s", finding));
            }
        }
        line(out, "");
        line(out, "tests (gpu tag): %d passed, %d failed, %d hung, %d skipped", tests.count("passed"), tests.count("failed"),
                tests.count("hung"), tests.count("skipped"));
        for (GpuTestRun.Outcome outcome : tests.outcomes()) {
            out.append(GpuTestRun.line(outcome)).append('\n');
        }
        line(out, "");
        if (facts.noDevice != null) {
            line(out, "bandwidth and warm-up: skipped, %s", facts.noDevice);
        } else if (tests.hung()) {
            line(out, "bandwidth and warm-up: skipped, a gpu test hung (a CUDA call may still be running)");
        } else {
            line(out, "bandwidth, GB/s (median of the measured copies; x = ratio to PyTorch pinned, same direction and size)");
            for (CopyBandwidth.Row row : bandwidth) {
                Double reference = torch.figure(row.direction() + ".pinned." + row.sizeMiB());
                if (row.problem().isEmpty()) {
                    line(out, "  %-4s %5d MiB  %-20s %8.2f  (%.2f-%.2f, %d copies)%s", row.direction(), row.sizeMiB(),
                            row.source(), row.medianGbps(), row.minGbps(), row.maxGbps(), row.copies(),
                            reference == null ? "" : String.format(Locale.ROOT, "  %.2fx", row.medianGbps() / reference));
                } else {
                    line(out, "  %-4s %5d MiB  %-20s %s", row.direction(), row.sizeMiB(), row.source(), row.problem());
                }
            }
            torchRows(out, bandwidth, torch);
            line(out, "");
            line(out, "time to make pinned memory, seconds");
            line(out, "  ours:         %s", GpuCheck.OURS);
            line(out, "  torch-empty:  %s", GpuCheck.TORCH_EMPTY);
            line(out, "  torch-zeroed: %s", GpuCheck.TORCH_ZEROED);
            line(out, "  (x0 = ratio to torch-zeroed, like for like; xE = ratio to torch-empty, which does not fill)");
            for (WarmupTiming.Row row : warmup) {
                Double zeroed = torch.figure("alloc.pinned.zeroed." + row.gib());
                Double empty = torch.figure("alloc.pinned." + row.gib());
                if (row.problem().isEmpty()) {
                    line(out, "  %2d GiB  %-14s %8.3f s  (%d threads, zeroed)%s%s", row.gib(), row.backend(), row.seconds(),
                            row.threads(), zeroed == null ? "" : String.format(Locale.ROOT, "  %.2fx0", row.seconds() / zeroed),
                            empty == null ? "" : String.format(Locale.ROOT, "  %.2fxE", row.seconds() / empty));
                } else {
                    line(out, "  %2d GiB  %-14s %s", row.gib(), row.backend(), row.problem());
                }
            }
            warmup.stream().mapToInt(WarmupTiming.Row::gib).distinct().forEach(gib -> {
                Double empty = torch.figure("alloc.pinned." + gib);
                Double zeroed = torch.figure("alloc.pinned.zeroed." + gib);
                if (empty != null) {
                    line(out, "  %2d GiB  %-14s %8.3f s  (one block, not filled)", gib, "torch-empty", empty);
                }
                if (zeroed != null) {
                    line(out, "  %2d GiB  %-14s %8.3f s  (one block, zeroed)", gib, "torch-zeroed", zeroed);
                }
            });
            if (report.get("deviceRelease") != null) {
                line(out, "");
                line(out, "device: %s", report.get("deviceRelease"));
            }
        }
        line(out, "");
        line(out, "pytorch: %s%s", torch.values.get("status"), torch.ok()
                ? ", torch " + torch.values.get("torch") + " (CUDA " + torch.values.get("torchCuda") + ") on " + torch.values.get("device")
                + " with " + torch.values.get("python")
                : ": " + torch.values.get("reason"));
        line(out, "result: %s, %.1f s", result, ((Number) report.get("seconds")).doubleValue());
        return out.toString();
    }

    private static void torchRows(StringBuilder out, List<CopyBandwidth.Row> bandwidth, TorchPeer torch) {
        if (!torch.ok()) {
            line(out, "  pytorch: %s", torch.values.get("reason"));
            return;
        }
        bandwidth.stream().mapToInt(CopyBandwidth.Row::sizeMiB).distinct().forEach(size -> {
            for (String direction : List.of("h2d", "d2h")) {
                for (String kind : List.of("pinned", "pageable")) {
                    Double gbps = torch.figure(direction + "." + kind + "." + size);
                    Double reference = torch.figure(direction + ".pinned." + size);
                    if (gbps != null) {
                        line(out, "  %-4s %5d MiB  %-20s %8.2f%s", direction, size, "torch-" + kind, gbps,
                                reference == null ? "" : String.format(Locale.ROOT, "  %.2fx", gbps / reference));
                    }
                }
            }
        });
    }

    private static void line(StringBuilder out, String format, Object... values) {
        out.append(String.format(Locale.ROOT, format, values)).append('\n');
    }
}
