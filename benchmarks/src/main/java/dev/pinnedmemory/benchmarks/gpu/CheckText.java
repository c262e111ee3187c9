package dev.pinnedmemory.benchmarks.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The readable {@code gpu-check.txt}: the same facts and figures as the JSON, one line each. Stateless. */
final class CheckText {

    private CheckText() {
    }

    static String of(Map<String, Object> report, MachineFacts facts, GpuTestRun tests, List<CopyBandwidth.Row> bandwidth,
                     List<WarmupTiming.Row> warmup, TorchPeer torch) {
        StringBuilder out = new StringBuilder();
        line(out, "pinned-memory GPU check, %s", report.get("startedAt"));
        line(out, "machine: %s, %s CPUs, %s, NUMA nodes %s, THP %s, lock limit %s", facts.machine.get("cpu"),
                facts.machine.get("cpus"), facts.machine.get("memory"), facts.machine.get("numaNodesOnline"),
                facts.machine.get("transparentHugePages"), facts.machine.get("lockLimit"));
        line(out, "java: %s", facts.machine.get("java"));
        line(out, "gpu: %s", facts.gpuLine());
        line(out, "cuda: %s", facts.noDevice == null ? "usable, " + facts.cuda.get("deviceCount") + " device(s), device 0 "
                + facts.cuda.get("deviceName") : facts.noDevice);
        line(out, "");
        line(out, "tests (gpu tag): %d passed, %d failed, %d skipped", tests.count("passed"), tests.count("failed"),
                tests.count("skipped"));
        for (GpuTestRun.Outcome outcome : tests.outcomes()) {
            line(out, "  %-7s %s%s", outcome.status(), outcome.name(), outcome.reason() == null ? "" : ": " + outcome.reason());
        }
        line(out, "");
        if (facts.noDevice != null) {
            line(out, "bandwidth and warm-up: skipped, %s", facts.noDevice);
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
            line(out, "time to make pinned memory (pool warm-up of n x 1 GiB; x = ratio to torch.empty(pin_memory=True))");
            for (WarmupTiming.Row row : warmup) {
                Double reference = torch.figure("alloc.pinned." + row.gib());
                if (row.problem().isEmpty()) {
                    line(out, "  %2d GiB  %-14s %8.3f s  (%d threads)%s", row.gib(), row.backend(), row.seconds(), row.threads(),
                            reference == null ? "" : String.format(Locale.ROOT, "  %.2fx", row.seconds() / reference));
                } else {
                    line(out, "  %2d GiB  %-14s %s", row.gib(), row.backend(), row.problem());
                }
            }
            for (String key : torch.values.keySet()) {
                if (key.startsWith("alloc.pinned.") && !key.endsWith("isPinned")) {
                    line(out, "  %2s GiB  %-14s %8.3f s", key.substring("alloc.pinned.".length()), "torch", torch.figure(key));
                }
            }
        }
        line(out, "");
        line(out, "pytorch: %s%s", torch.values.get("status"), torch.ok()
                ? ", torch " + torch.values.get("torch") + " (CUDA " + torch.values.get("torchCuda") + ") on " + torch.values.get("device")
                : ": " + torch.values.get("reason"));
        line(out, "result: %s (%s failed test(s)), %.1f s", report.get("result"), tests.count("failed"),
                ((Number) report.get("seconds")).doubleValue());
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
