package dev.pinnedmemory.inference;

import org.jspecify.annotations.Nullable;

/**
 * Told about every request a server ends, once: the model, the outcome, the time from the request's start
 * to its end and the tensor bytes in and out. The meters of {@code dev.pinnedmemory.inference.metrics}
 * are one; {@link #NONE} ignores them.
 *
 * <p>Thread-safety: called from the threads that end requests, concurrently; implementations must be
 * thread-safe and quick, and must not throw.
 */
@FunctionalInterface
public interface InferenceObserver {

    /** Observes nothing. */
    InferenceObserver NONE = request -> { };

    /** Called once per request, after its leases ended. */
    void completed(CompletedRequest request);

    /**
     * A request that ended.
     *
     * @param model the model's name
     * @param version the version that served it, or null for a model without versions
     * @param outcome {@value #SUCCESS}, {@value #ABORTED} (the client went away, or the response could not be
     *     written), {@value #ERROR} (an unexpected failure of the server) or a refusal's
     *     {@link InferenceException.Reason#outcome()}, e.g. {@code invalid-argument}
     * @param durationNanos from the request's start to its end, response written
     * @param bytesIn the input tensors' bytes that arrived
     * @param bytesOut the output tensors' bytes of the response
     */
    record CompletedRequest(String model, @Nullable String version, String outcome, long durationNanos, long bytesIn,
                            long bytesOut) {

        /** The outcome of a request answered with its outputs. */
        public static final String SUCCESS = "success";
        /** The outcome of a request whose client went away, or whose response could not be written. */
        public static final String ABORTED = "aborted";
        /** The outcome of a request that failed for a reason of the server's own. */
        public static final String ERROR = "error";
    }
}
