package dev.pinnedmemory.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CudaReport} on a hand-written JMH JSON file: what {@code gpu-check.sh} prints. */
class CudaReportTests {

    @Test
    void shouldPrintBandwidthPerSizeAndSourceRelativeToTheHeapArray(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + row(64, "pooled-pinned", 1300.0, 100.0, 64L << 20)
                + "," + row(64, "heap-array", 5200.0, 400.0, 64L << 20) + "]");

        String text = CudaReport.text(new ResultSummary(JmhResult.read(json)));

        assertThat(text.lines()).hasSize(2);
        assertThat(text.lines().findFirst().orElseThrow())
                .contains("64 MiB", "pooled-pinned", "1300 ± 12.5", "us/op", "671 GB/s", "4.00x heap-array");
        assertThat(text).contains("heap-array", "168 GB/s", "1.00x heap-array");
    }

    @Test
    void shouldPrintNothingWithoutCudaResults(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[]");

        assertThat(CudaReport.text(new ResultSummary(JmhResult.read(json)))).isEmpty();
    }

    private static String row(int sizeMiB, String source, double score, double deviceMillis, long bytesCopied) {
        return """
                {"benchmark": "dev.pinnedmemory.benchmarks.CudaBandwidthBenchmark.hostToDevice", "threads": 1,
                 "params": {"sizeMiB": "%d", "source": "%s"},
                 "primaryMetric": {"score": %s, "scoreError": 12.5, "scoreUnit": "us/op"},
                 "secondaryMetrics": {"deviceMillis": {"score": %s}, "bytesCopied": {"score": %d}}}
                """.formatted(sizeMiB, source, score, deviceMillis, bytesCopied * 1000);
    }
}
