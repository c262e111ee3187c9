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
}
