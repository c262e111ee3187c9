package dev.pinnedmemory.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns one JMH run into the tables and target checks of {@code docs/BENCHMARKS.md}: every ratio
 * is taken between rows of the same run. Stateless; thread-safe.
 */
final class ResultSummary {

    static final String RENT = "RentReturnBenchmark";
    static final String COPY = "CopyBenchmark";
    static final String FRESH = "FreshAllocationBenchmark";
    static final String WARMUP = "WarmupBenchmark";
    static final String CUDA = "CudaBandwidthBenchmark";
    static final String CONTROL = "ScalingControlBenchmark";
    static final List<String> IMPLEMENTATIONS =
            List.of("pinned-pool", "pinned-pool-clearing", "pinned-pool-strict", "netty-pooled", "netty-adaptive",
                    "commons-pool2", "array-blocking-queue");
    /** Most a pinned rent + return may take, as a share of each Netty allocator's allocate + release (issue 26). */
    static final double NETTY_POOLED_TARGET = 0.2;
    static final double NETTY_ADAPTIVE_TARGET = 0.4;
    static final List<String> COPIES = List.of("copyFrom", "copyTo", "systemArraycopy", "floatBufferPut", "floatBufferGet");

    private final List<JmhResult> results;

    ResultSummary(List<JmhResult> results) {
        this.results = results;
    }

    Optional<JmhResult> find(String className, String method, String... nameValues) {
        return results.stream().filter(r -> r.is(className, method, nameValues)).findFirst();
    }

    /** {@return the distinct values of a param in a class, in numeric order where numeric} */
    List<String> values(String className, String param) {
        return results.stream().filter(r -> r.className().equals(className)).map(r -> r.param(param))
                .filter(v -> v != null).distinct()
                .sorted((a, b) -> isNumber(a) && isNumber(b) ? Double.compare(Double.parseDouble(a), Double.parseDouble(b))
                        : a.compareTo(b))
                .toList();
    }

    /** Copy rate in GB/s of a CopyBenchmark row (us/op over {@code bytes}). */
    static double gigabytesPerSecond(JmhResult copy) {
        return Double.parseDouble(copy.param("bytes")) / (copy.score() * 1e3);
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        targets(out);
        rentReturn(out);
        copies(out);
        fresh(out);
        warmup(out);
        cuda(out);
        return out.toString();
    }

    private void rentReturn(StringBuilder out) {
        out.append("### Rent + return (ns per pair; per thread at 2 threads)\n\n")
                .append("| size | implementation | 1 thread | B/pair | 2 threads | B/pair | 2-thread total / 1-thread | 1 thread vs netty | 1 thread vs netty adaptive |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String bytes : values(RENT, "bytes")) {
            Optional<JmhResult> netty = find(RENT, "rentReturn", "bytes", bytes, "implementation", "netty-pooled");
            Optional<JmhResult> adaptive = find(RENT, "rentReturn", "bytes", bytes, "implementation", "netty-adaptive");
            for (String implementation : IMPLEMENTATIONS) {
                Optional<JmhResult> one = find(RENT, "rentReturn", "bytes", bytes, "implementation", implementation);
                Optional<JmhResult> two = find(RENT, "rentReturnTwoThreads", "bytes", bytes, "implementation", implementation);
                if (one.isEmpty() && two.isEmpty()) {
                    continue;
                }
                out.append("| ").append(size(bytes)).append(" | ").append(implementation)
                        .append(" | ").append(one.map(ResultSummary::scoreWithError).orElse("-"))
                        .append(" | ").append(one.map(r -> format(r.bytesPerOperation())).orElse("-"))
                        .append(" | ").append(two.map(ResultSummary::scoreWithError).orElse("-"))
                        .append(" | ").append(two.map(r -> format(r.bytesPerOperation())).orElse("-"))
                        .append(" | ").append(one.isPresent() && two.isPresent()
                                ? ratio(2 * one.get().score() / two.get().score()) : "-")
                        .append(" | ").append(one.isPresent() && netty.isPresent()
                                ? ratio(one.get().score() / netty.get().score()) : "-")
                        .append(" | ").append(one.isPresent() && adaptive.isPresent()
                                ? ratio(one.get().score() / adaptive.get().score()) : "-")
                        .append(" |\n");
            }
        }
        out.append('\n');
        control(out);
    }

    /** {@return total throughput at two threads over one thread, NaN where a row is missing} */
    double twoThreadScaling(String className, String oneThread, String twoThreads, String... nameValues) {
        Optional<JmhResult> one = find(className, oneThread, nameValues);
        Optional<JmhResult> two = find(className, twoThreads, nameValues);
        return one.isPresent() && two.isPresent() ? 2 * one.get().score() / two.get().score() : Double.NaN;
    }

    private void targets(StringBuilder out) {
        out.append("### Targets (ratios from this run)\n\n| target | measured | met |\n|---|---|---|\n");
        double ceiling = twoThreadScaling(CONTROL, "sharedNothing", "sharedNothingTwoThreads");
        for (String bytes : values(RENT, "bytes")) {
            Optional<JmhResult> pool = find(RENT, "rentReturn", "bytes", bytes, "implementation", "pinned-pool");
            for (String peer : List.of("netty-pooled", "netty-adaptive")) {
                Optional<JmhResult> netty = find(RENT, "rentReturn", "bytes", bytes, "implementation", peer);
                double limit = peer.equals("netty-pooled") ? NETTY_POOLED_TARGET : NETTY_ADAPTIVE_TARGET;
                if (pool.isPresent() && netty.isPresent()) {
                    double r = pool.get().score() / netty.get().score();
                    target(out, "rent+return " + size(bytes) + ", 1 thread <= " + String.format(Locale.ROOT, "%.2f", limit)
                            + "x " + peer, ratio(r) + " (" + format(pool.get().score()) + " vs "
                            + format(netty.get().score()) + " ns)", r <= limit);
                }
            }
            double scaling = twoThreadScaling(RENT, "rentReturn", "rentReturnTwoThreads", "bytes", bytes,
                    "implementation", "pinned-pool");
            if (!Double.isNaN(scaling)) {
                target(out, "rent+return " + size(bytes) + ", 2-thread total >= 1.6x 1 thread", ratio(scaling)
                        + (Double.isNaN(ceiling) ? "" : " (machine ceiling in this run " + ratio(ceiling) + ")"),
                        scaling >= 1.6);
            }
            for (String method : List.of("rentReturn", "rentReturnTwoThreads")) {
                find(RENT, method, "bytes", bytes, "implementation", "pinned-pool").ifPresent(r -> target(out,
                        "rent+return " + size(bytes) + ", " + (method.endsWith("TwoThreads") ? "2 threads" : "1 thread")
                                + " <= 32 B/pair", format(r.bytesPerOperation()) + " B/pair",
                        r.bytesPerOperation() <= 32));
            }
        }
        for (String bytes : values(COPY, "bytes")) {
            if (Long.parseLong(bytes) < 1 << 20) {
                continue;
            }
            Optional<JmhResult> baseline = find(COPY, "systemArraycopy", "bytes", bytes);
            for (String method : List.of("copyFrom", "copyTo")) {
                find(COPY, method, "bytes", bytes).ifPresent(r -> baseline.ifPresent(b -> target(out,
                        method + " " + size(bytes) + " >= 0.95x System.arraycopy", ratio(b.score() / r.score()),
                        b.score() / r.score() >= 0.95)));
            }
        }
        for (String total : values(WARMUP, "totalMiB")) {
            Optional<JmhResult> serial = find(WARMUP, "buildPool", "totalMiB", total, "warmupThreads", "1");
            results.stream().filter(r -> r.is(WARMUP, "buildPool", "totalMiB", total) && !"1".equals(r.param("warmupThreads")))
                    .forEach(r -> serial.ifPresent(s -> target(out, "warm-up " + total + " MiB, warmupThreads="
                            + r.param("warmupThreads") + " faster than serial", ratio(s.score() / r.score())
                            + " speed-up (" + format(s.score()) + " -> " + format(r.score()) + " ms)",
                            s.score() / r.score() > 1)));
        }
        out.append('\n');
    }

    private static void target(StringBuilder out, String target, String measured, boolean met) {
        out.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met ? "met" : "**missed**")
                .append(" |\n");
    }

    private void control(StringBuilder out) {
        Optional<JmhResult> one = find(CONTROL, "sharedNothing");
        Optional<JmhResult> two = find(CONTROL, "sharedNothingTwoThreads");
        if (one.isPresent() && two.isPresent()) {
            out.append("Machine ceiling (ScalingControlBenchmark, work sharing nothing): 1 thread ")
                    .append(scoreWithError(one.get())).append(" ns, 2 threads ").append(scoreWithError(two.get()))
                    .append(" ns per thread, 2-thread total / 1-thread ").append(ratio(2 * one.get().score() / two.get().score()))
                    .append(".\n\n");
        }
    }

    private void copies(StringBuilder out) {
        out.append("### Copies of float[] (us per copy, GB/s, throughput relative to System.arraycopy)\n\n")
                .append("| size | copy | us/op | GB/s | vs System.arraycopy |\n|---|---|---:|---:|---:|\n");
        for (String bytes : values(COPY, "bytes")) {
            Optional<JmhResult> baseline = find(COPY, "systemArraycopy", "bytes", bytes);
            for (String method : COPIES) {
                find(COPY, method, "bytes", bytes).ifPresent(r -> out.append("| ").append(size(bytes)).append(" | ")
                        .append(method).append(" | ").append(scoreWithError(r)).append(" | ")
                        .append(format(gigabytesPerSecond(r))).append(" | ")
                        .append(baseline.map(b -> ratio(b.score() / r.score())).orElse("-")).append(" |\n"));
            }
        }
        out.append('\n');
    }

    private void fresh(StringBuilder out) {
        out.append("### Fresh page-locked allocation against a pool rent (us per allocate+free or rent+return)\n\n")
                .append("| size | method | us/op | fresh / this |\n|---|---|---:|---:|\n");
        for (String bytes : values(FRESH, "bytes")) {
            Optional<JmhResult> freshRow = find(FRESH, "freshMlock", "bytes", bytes);
            for (String method : List.of("freshMlock", "poolRentReturn", "poolRentReturnClearing")) {
                find(FRESH, method, "bytes", bytes).ifPresent(r -> out.append("| ").append(size(bytes)).append(" | ")
                        .append(method).append(" | ").append(scoreWithError(r)).append(" | ")
                        .append(freshRow.map(f -> ratio(f.score() / r.score())).orElse("-")).append(" |\n"));
            }
        }
        out.append('\n');
    }

    private void warmup(StringBuilder out) {
        out.append("### Pool warm-up (ms to build a pool and page-lock its initial buffers)\n\n")
                .append("| total | buffer | warmupThreads | ms | speed-up vs serial |\n|---|---|---:|---:|---:|\n");
        for (String total : values(WARMUP, "totalMiB")) {
            for (String buffer : values(WARMUP, "bufferMiB")) {
                Optional<JmhResult> serial = find(WARMUP, "buildPool", "totalMiB", total, "bufferMiB", buffer, "warmupThreads", "1");
                for (String threads : values(WARMUP, "warmupThreads")) {
                    find(WARMUP, "buildPool", "totalMiB", total, "bufferMiB", buffer, "warmupThreads", threads)
                            .ifPresent(r -> out.append("| ").append(total).append(" MiB | ").append(buffer)
                                    .append(" MiB | ").append(threads).append(" | ").append(scoreWithError(r))
                                    .append(" | ").append(serial.map(s -> ratio(s.score() / r.score())).orElse("-"))
                                    .append(" |\n"));
                }
            }
        }
        out.append('\n');
    }

    private void cuda(StringBuilder out) {
        if (results.stream().noneMatch(r -> r.className().equals(CUDA))) {
            out.append("### CUDA host-to-device\n\nNo results: no CUDA device on this machine (the benchmark was skipped).\n\n");
            return;
        }
        out.append("### CUDA host-to-device (GB/s from CUDA events)\n\n")
                .append("| size | source | us/op | GB/s | vs heap-array |\n|---|---|---:|---:|---:|\n");
        for (String size : values(CUDA, "sizeMiB")) {
            Optional<JmhResult> heap = find(CUDA, "hostToDevice", "sizeMiB", size, "source", "heap-array");
            for (String source : List.of("pooled-pinned", "heap-array", "direct-buffer")) {
                find(CUDA, "hostToDevice", "sizeMiB", size, "source", source).ifPresent(r -> out.append("| ")
                        .append(size).append(" MiB | ").append(source).append(" | ").append(scoreWithError(r))
                        .append(" | ").append(format(deviceGigabytesPerSecond(r))).append(" | ")
                        .append(heap.map(h -> ratio(deviceGigabytesPerSecond(r) / deviceGigabytesPerSecond(h))).orElse("-"))
                        .append(" |\n"));
            }
        }
        out.append('\n');
    }

    /** Bandwidth from the CUDA-event counters: bytes over device milliseconds. */
    static double deviceGigabytesPerSecond(JmhResult row) {
        double millis = row.secondary().getOrDefault("deviceMillis", Double.NaN);
        double bytes = row.secondary().getOrDefault("bytesCopied", Double.NaN);
        return bytes / (millis * 1e6);
    }

    static String size(String bytes) {
        long value = Long.parseLong(bytes);
        return value >= 1 << 20 && value % (1 << 20) == 0 ? value / (1 << 20) + " MiB" : value / 1024 + " KiB";
    }

    private static String scoreWithError(JmhResult r) {
        return Double.isNaN(r.error()) ? format(r.score()) : format(r.score()) + " ± " + format(r.error());
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 0.01 || magnitude == 0 ? "%.2f" : "%.1g";
        return String.format(Locale.ROOT, pattern, value);
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0fx" : "%.2fx", value);
    }

    private static boolean isNumber(String value) {
        return Stream.of(value).allMatch(v -> v.matches("-?\\d+(\\.\\d+)?"));
    }
}
