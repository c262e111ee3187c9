package dev.pinnedmemory.backend;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What backend selection decided and why: shown by the Actuator endpoint, the health
 * contributor and the start-up log line. An immutable snapshot; thread-safe.
 *
 * @param name the chosen backend ({@code cuda}, {@code mlock}, {@code unlocked})
 * @param pageLocked whether its memory is page-locked
 * @param requested what was asked for ({@code auto}, ...)
 * @param skipped for every backend tried before the chosen one, why it was not used
 * @param cudaDeviceCount CUDA devices seen, or {@code -1} where CUDA could not be asked
 * @param cudaDeviceName the name of device 0, or {@code null}
 */
public record BackendReport(String name, boolean pageLocked, String requested, Map<String, String> skipped,
                            int cudaDeviceCount, @Nullable String cudaDeviceName) {

    /** Copies {@code skipped} so the report stays immutable. */
    public BackendReport {
        skipped = Map.copyOf(skipped);
    }

    /** {@return a one-line summary for logs, e.g. {@code mlock (page-locked); skipped cuda: ...}} */
    public String summary() {
        StringBuilder line = new StringBuilder(name).append(pageLocked ? " (page-locked)" : " (NOT page-locked)");
        skipped.forEach((backend, why) -> line.append("; skipped ").append(backend).append(": ").append(why));
        return line.toString();
    }
}
