package dev.pinnedmemory.inference;

/**
 * The limits a server holds requests to, beyond what a model's metadata and the pool allow
 * ({@code pinned-memory.inference.*} with the starter). A tensor's bytes are limited by the pool: at most
 * its largest buffer.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param maxInputs most inputs one request may declare ({@code max-inputs})
 * @param maxHeaderBytes most bytes of a REST request's JSON: the {@code Inference-Header-Content-Length}, or
 *     the whole body when it is all JSON ({@code max-header-size})
 * @throws IllegalArgumentException naming the value unless both are positive
 */
public record InferenceLimits(int maxInputs, long maxHeaderBytes) {

    /** 64 inputs, 64 MiB of JSON (Triton's default limit of an HTTP request). */
    public static final InferenceLimits DEFAULTS = new InferenceLimits(64, 64L << 20);

    public InferenceLimits {
        if (maxInputs < 1) {
            throw new IllegalArgumentException("maxInputs: " + maxInputs + " (expected: at least 1)");
        }
        if (maxHeaderBytes < 1) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: at least 1)");
        }
    }
}
