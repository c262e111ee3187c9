package dev.pinnedmemory.benchmarks.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.pinnedmemory.benchmarks.report.ResultSummary.CUDA;

/**
 * Prints the {@code CudaBandwidthBenchmark} rows of a JMH JSON result file as plain text, one line
 * per size and source: time per copy, GB/s from the CUDA-event counters, and the bandwidth relative
 * to the pageable heap array of the same size. What {@code benchmarks/gpu-check.sh} shows.
 *
 * {@snippet lang = "shell" :
 * java -cp benchmarks/target/benchmarks.jar dev.pinnedmemory.benchmarks.report.CudaReport results.json
 * }
 */
public final class CudaReport {

    private CudaReport() {
    }

    /** Argument: the JMH JSON file. Exits 1 when it holds no CUDA results. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CudaReport <jmh-results.json>");
            System.exit(2);
        }
        String text = text(new ResultSummary(JmhResult.read(Path.of(args[0]))));
        System.out.print(text);
        if (text.isEmpty()) {
            System.err.println("CudaReport: no CudaBandwidthBenchmark results in " + args[0]);
            System.exit(1);
        }
    }

    /** {@return one line per CUDA result, or an empty string when there is none} */
    static String text(ResultSummary summary) {
        StringBuilder out = new StringBuilder();
        for (String size : summary.values(CUDA, "sizeMiB")) {
            Optional<JmhResult> heap = summary.find(CUDA, "hostToDevice", "sizeMiB", size, "source", "heap-array");
            for (String source : List.of("pooled-pinned", "heap-array", "direct-buffer")) {
                summary.find(CUDA, "hostToDevice", "sizeMiB", size, "source", source).ifPresent(r -> {
                    double gbps = ResultSummary.deviceGigabytesPerSecond(r);
                    out.append(String.format(Locale.ROOT, "%6s MiB  %-14s %12s %-6s %8s GB/s  %s%n", size, source,
                            ResultSummary.format(r.score()) + (Double.isNaN(r.error()) ? ""
                                    : " ± " + ResultSummary.format(r.error())),
                            r.unit(), ResultSummary.format(gbps),
                            heap.map(h -> String.format(Locale.ROOT, "%.2fx heap-array",
                                    gbps / ResultSummary.deviceGigabytesPerSecond(h))).orElse("")));
                });
            }
        }
        return out.toString();
    }
}
