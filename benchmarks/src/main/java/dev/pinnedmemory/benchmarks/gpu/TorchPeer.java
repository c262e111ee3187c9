package dev.pinnedmemory.benchmarks.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * PyTorch in the same run: {@code torch_peer.py} run by {@code python3} (or {@code $GPU_CHECK_PYTHON})
 * measures what {@link CopyBandwidth} and {@link WarmupTiming} measure, for a pinned tensor
 * ({@code torch.empty(n, dtype=torch.uint8, pin_memory=True)}) and a pageable one copied with
 * {@code .to("cuda", non_blocking=True)}, and prints {@code key=value} lines. Immutable after construction.
 */
final class TorchPeer {

    /** What the script printed, numbers as doubles; {@code status} is {@code ok} or {@code skipped}. */
    final Map<String, Object> values = new LinkedHashMap<>();

    TorchPeer(Path script, int[] sizesMiB, int[] sizesGib, Duration limit) {
        String python = System.getenv("GPU_CHECK_PYTHON");
        Path interpreter = python != null && !python.isBlank() ? Path.of(python) : Processes.onPath("python3");
        if (interpreter == null || !Files.isExecutable(interpreter)) {
            skip("python3 not on PATH (set GPU_CHECK_PYTHON to an interpreter with torch)");
            return;
        }
        if (!Files.isRegularFile(script)) {
            skip("no " + script);
            return;
        }
        if (limit.toSeconds() < 20) {
            skip("skipped: the check's time budget is spent");
            return;
        }
        Processes.Outcome run = Processes.run(List.of(interpreter.toString(), script.toString(), join(sizesMiB), join(sizesGib)),
                limit);
        values.put("python", interpreter.toString());
        for (String line : run.output().lines().toList()) {
            int equals = line.indexOf('=');
            if (equals > 0 && !line.startsWith(" ")) {
                String key = line.substring(0, equals).strip();
                String value = line.substring(equals + 1).strip();
                values.put(key, number(value));
            }
        }
        if (!run.ok()) {
            values.put("status", "failed");
            values.put("reason", run.problem() + "; last output: " + tail(run.output()));
        }
        values.putIfAbsent("status", "failed");
    }

    private void skip(String reason) {
        values.put("status", "skipped");
        values.put("reason", reason);
    }

    boolean ok() {
        return "ok".equals(values.get("status"));
    }

    /** {@return a figure the script printed, e.g. {@code h2d.pinned.64} (GB/s) or {@code alloc.pinned.8} (s), or null} */
    @Nullable Double figure(String key) {
        return values.get(key) instanceof Double d ? d : null;
    }

    private static Object number(String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return value;
        }
    }

    private static String join(int[] values) {
        List<String> parts = new ArrayList<>();
        for (int value : values) {
            parts.add(Integer.toString(value));
        }
        return String.join(",", parts);
    }

    private static String tail(String output) {
        String text = output.strip();
        return text.length() > 800 ? "..." + text.substring(text.length() - 800) : text;
    }
}
