package dev.pinnedmemory.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.pinnedmemory.benchmarks.report.ResultSummary.CONTROL;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.COPIES;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.COPY;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.CUDA;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.FRESH;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.IMPLEMENTATIONS;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.RENT;
import static dev.pinnedmemory.benchmarks.report.ResultSummary.WARMUP;

/** Chooses what the chart shows: the panels of each column, built from one run. Stateless. */
final class ChartPanels {

    private ChartPanels() {
    }

    static List<List<Panel>> columns(ResultSummary summary) {
        List<Panel> left = new ArrayList<>();
        List<Panel> right = new ArrayList<>();
        for (String bytes : summary.values(RENT, "bytes")) {
            left.add(rentReturn(summary, bytes));
        }
        summary.find(CONTROL, "sharedNothing").ifPresent(one -> left.add(control(summary, one)));
        if (!summary.values(COPY, "bytes").isEmpty()) {
            right.add(copies(summary));
        }
        if (!summary.values(FRESH, "bytes").isEmpty()) {
            left.add(fresh(summary));
        }
        if (!summary.values(WARMUP, "warmupThreads").isEmpty()) {
            right.add(warmup(summary));
        }
        if (!summary.values(CUDA, "sizeMiB").isEmpty()) {
            right.add(cuda(summary));
        }
        return List.of(left, right);
    }

    private static Panel rentReturn(ResultSummary summary, String bytes) {
        List<Panel.Bar> bars = new ArrayList<>();
        Optional<JmhResult> netty = summary.find(RENT, "rentReturn", "bytes", bytes, "implementation", "netty-pooled");
        for (String implementation : IMPLEMENTATIONS) {
            boolean ours = implementation.startsWith("pinned");
            summary.find(RENT, "rentReturn", "bytes", bytes, "implementation", implementation).ifPresent(r ->
                    bars.add(new Panel.Bar(implementation + ", 1 thread", r.score(), r.error(), ours,
                            netty.map(n -> ratio(r.score() / n.score()) + " of netty").orElse(""))));
            Optional<JmhResult> one = summary.find(RENT, "rentReturn", "bytes", bytes, "implementation", implementation);
            summary.find(RENT, "rentReturnTwoThreads", "bytes", bytes, "implementation", implementation).ifPresent(r ->
                    bars.add(new Panel.Bar(implementation + ", 2 threads", r.score(), r.error(), ours,
                            one.map(o -> "total " + ratio(2 * o.score() / r.score()) + " of 1 thread").orElse(""))));
        }
        return new Panel("Rent + return, " + ResultSummary.size(bytes) + " (ns per pair per thread, lower is better)",
                "ns", true, bars);
    }

    private static Panel control(ResultSummary summary, JmhResult one) {
        List<Panel.Bar> bars = new ArrayList<>();
        bars.add(new Panel.Bar("shared nothing, 1 thread", one.score(), one.error(), false, ""));
        summary.find(CONTROL, "sharedNothingTwoThreads").ifPresent(two -> bars.add(new Panel.Bar(
                "shared nothing, 2 threads", two.score(), two.error(), false,
                "total " + ratio(2 * one.score() / two.score()) + " of 1 thread")));
        return new Panel("Machine ceiling: work sharing nothing (ns per op per thread)", "ns", false, bars);
    }

    private static Panel copies(ResultSummary summary) {
        List<Panel.Bar> bars = new ArrayList<>();
        for (String bytes : summary.values(COPY, "bytes")) {
            bars.add(Panel.Bar.heading(ResultSummary.size(bytes) + " of float[]"));
            Optional<JmhResult> baseline = summary.find(COPY, "systemArraycopy", "bytes", bytes);
            for (String method : COPIES) {
                summary.find(COPY, method, "bytes", bytes).ifPresent(r -> {
                    double rate = ResultSummary.gigabytesPerSecond(r);
                    double error = rate * r.error() / r.score();
                    bars.add(new Panel.Bar(method, rate, error, method.startsWith("copy"),
                            baseline.map(b -> ratio(b.score() / r.score()) + " of arraycopy").orElse("")));
                });
            }
        }
        return new Panel("Copies (GB/s, higher is better)", "GB/s", false, bars);
    }

    private static Panel fresh(ResultSummary summary) {
        List<Panel.Bar> bars = new ArrayList<>();
        for (String bytes : summary.values(FRESH, "bytes")) {
            Optional<JmhResult> freshRow = summary.find(FRESH, "freshMlock", "bytes", bytes);
            for (String method : List.of("freshMlock", "poolRentReturn", "poolRentReturnClearing")) {
                summary.find(FRESH, method, "bytes", bytes).ifPresent(r -> bars.add(new Panel.Bar(
                        method + " " + ResultSummary.size(bytes), r.score(), r.error(), method.startsWith("pool"),
                        method.startsWith("pool") ? freshRow.map(f -> ratio(f.score() / r.score()) + " faster").orElse("")
                                : "")));
            }
        }
        return new Panel("Fresh mlock allocate + free vs pool rent + return (us, lower is better)", "us", true, bars);
    }

    private static Panel warmup(ResultSummary summary) {
        List<Panel.Bar> bars = new ArrayList<>();
        for (String total : summary.values(WARMUP, "totalMiB")) {
            for (String buffer : summary.values(WARMUP, "bufferMiB")) {
                bars.add(Panel.Bar.heading(total + " MiB in " + buffer + " MiB buffers"));
                Optional<JmhResult> serial = summary.find(WARMUP, "buildPool", "totalMiB", total, "bufferMiB", buffer,
                        "warmupThreads", "1");
                for (String threads : summary.values(WARMUP, "warmupThreads")) {
                    summary.find(WARMUP, "buildPool", "totalMiB", total, "bufferMiB", buffer, "warmupThreads", threads)
                            .ifPresent(r -> bars.add(new Panel.Bar("warmupThreads=" + threads, r.score(), r.error(),
                                    !"1".equals(threads), serial.map(s -> ratio(s.score() / r.score()) + " speed-up")
                                    .orElse(""))));
                }
            }
        }
        return new Panel("Pool warm-up: build + page-lock (ms, lower is better)", "ms", false, bars);
    }

    private static Panel cuda(ResultSummary summary) {
        List<Panel.Bar> bars = new ArrayList<>();
        for (String size : summary.values(CUDA, "sizeMiB")) {
            bars.add(Panel.Bar.heading(size + " MiB host to device"));
            for (String source : List.of("pooled-pinned", "heap-array", "direct-buffer")) {
                summary.find(CUDA, "hostToDevice", "sizeMiB", size, "source", source).ifPresent(r -> bars.add(
                        new Panel.Bar(source, ResultSummary.deviceGigabytesPerSecond(r), Double.NaN,
                                source.equals("pooled-pinned"), "")));
            }
        }
        return new Panel("CUDA host-to-device (GB/s by CUDA events, higher is better)", "GB/s", false, bars);
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0fx" : "%.2fx", value);
    }
}
