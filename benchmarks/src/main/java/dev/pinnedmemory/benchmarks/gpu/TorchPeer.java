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
 * {@code .to("cuda", non_blocking=True)}, and the time to make pinned memory both unfilled
 * ({@code torch.empty}) and zero-filled ({@code torch.zeros}), and prints {@code key=value} lines.
 * Figures printed before the script failed or ran out of time are kept. Immutable after construction.
 */
final class TorchPeer {

    /** What the script printed, numbers as doubles; {@code status} is {@code ok} or {@code skipped}. */
    final Map<String, Object> values = new LinkedHashMap<>();

    TorchPeer(Path script, int[] sizesMiB, int[] sizesGib, Duration limit) {
        this(script, sizesMiB, sizesGib, limit, System.getenv("GPU_CHECK_PYTHON"));
    }

    /** @param python the interpreter {@code GPU_CHECK_PYTHON} names, or null/blank for {@code python3} on {@code PATH} */
    TorchPeer(Path script, int[] sizesMiB, int[] sizesGib, Duration limit, @Nullable String python) {
        Path interpreter;
        if (python != null && !python.isBlank()) {
            interpreter = Path.of(python.strip());
            if (!Files.isRegularFile(interpreter) || !Files.isExecutable(interpreter)) {
                skip("GPU_CHECK_PYTHON=" + python.strip() + " is not an executable file");
                return;
            }
        } else {
            interpreter = Processes.onPath("python3");
            if (interpreter == null) {
                skip("python3 not on PATH (set GPU_CHECK_PYTHON to an interpreter with torch)");
                return;
            }
        }
        if (!Files.isRegularFile(script)) {
            skip("no " + script);
            return;
        }
        if (limit.toSeconds() < 20) {
            skip("skipped: the check's time budget is spent");
            return;
        }
        values.put("python", interpreter.toString());
        read(Processes.run(List.of(interpreter.toString(), script.toString(), join(sizesMiB), join(sizesGib)), limit));
    }

    /** The peer as a run of it answered: for tests, and for {@link #skipped}. */
    TorchPeer(Processes.Outcome run) {
        read(run);
    }

    private TorchPeer() {
    }

    /** {@return a peer that did not run, for {@code reason}} */
    static TorchPeer skipped(String reason) {
        TorchPeer peer = new TorchPeer();
        peer.skip(reason);
        return peer;
    }

    /** Takes every {@code key=value} line the script printed, also from a run that failed or ran out of time. */
    private void read(Processes.Outcome run) {
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

    /**
     * {@return a figure the script printed, e.g. {@code h2d.pinned.64} (GB/s), {@code alloc.pinned.8}
     * (s, unfilled) or {@code alloc.pinned.zeroed.8} (s, zero-filled), or null}
     */
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
