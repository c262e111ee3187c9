package dev.pinnedmemory.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ResultSummary} on a hand-written JMH JSON file: the rent + return targets against both Netty allocators. */
class ResultSummaryTests {

    @Test
    void shouldHoldRentReturnToBothNettyAllocatorsOfTheSameRun(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + row("pinned-pool", 20.0) + "," + row("netty-pooled", 120.0) + ","
                + row("netty-adaptive", 40.0) + "]");

        String markdown = new ResultSummary(JmhResult.read(json)).markdown();

        assertThat(markdown).contains("| rent+return 64 KiB, 1 thread <= 0.20x netty-pooled | 0.17x (20.0 vs 120 ns) | met |");
        assertThat(markdown).contains("| rent+return 64 KiB, 1 thread <= 0.40x netty-adaptive | 0.50x (20.0 vs 40.0 ns) | **missed** |");
        assertThat(markdown).contains("| 64 KiB | netty-adaptive | 40.0 ± 1.00 |");
    }

    private static String row(String implementation, double score) {
        return """
                {"benchmark": "dev.pinnedmemory.benchmarks.RentReturnBenchmark.rentReturn", "threads": 1,
                 "params": {"bytes": "65536", "implementation": "%s", "pooledBuffers": "4"},
                 "primaryMetric": {"score": %s, "scoreError": 1.0, "scoreUnit": "ns/op"},
                 "secondaryMetrics": {"gc.alloc.rate.norm": {"score": 32.0}}}
                """.formatted(implementation, score);
    }
}
