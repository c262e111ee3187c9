package dev.pinnedmemory.inference;

import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A request the protocol refuses, or a model's failure, with the {@link Reason} that tells every
 * transport how to answer: REST with {@link Reason#httpStatus()} and {@code {"error": message}}, gRPC
 * with {@link Reason#grpcCode()} and the message. Messages name the tensor, the sizes and the limit.
 *
 * <p>Immutable; thread-safe.
 */
public final class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a request failed, and the status each transport answers with. */
    public enum Reason {
        /** Malformed request, bad header length, size that does not match shape x datatype, missing or unknown input, unknown datatype, value out of range. */
        INVALID_ARGUMENT(400, "INVALID_ARGUMENT"),
        /** Unknown model or version. */
        NOT_FOUND(404, "NOT_FOUND"),
        /** A tensor larger than the pool's largest buffer. */
        TENSOR_TOO_LARGE(413, "RESOURCE_EXHAUSTED"),
        /** The pool's budget gave no memory within its {@code max-wait}: try again ({@code Retry-After}). */
        OUT_OF_MEMORY(503, "RESOURCE_EXHAUSTED"),
        /** The model is not ready: try again ({@code Retry-After}). */
        MODEL_NOT_READY(503, "UNAVAILABLE"),
        /** Not allowed here (a switched-off extension). */
        FORBIDDEN(403, "PERMISSION_DENIED"),
        /** Over a configured limit that is no tensor's size (the shared memory regions or bytes registered). */
        LIMIT_EXCEEDED(400, "RESOURCE_EXHAUSTED"),
        /** The model failed, or answered what the protocol cannot send; its message goes to the client, its stack trace to the log. */
        MODEL_FAILED(500, "INTERNAL");

        private final int httpStatus;
        private final String grpcCode;

        Reason(int httpStatus, String grpcCode) {
            this.httpStatus = httpStatus;
            this.grpcCode = grpcCode;
        }

        /** {@return the HTTP status the REST transport answers with} */
        public int httpStatus() {
            return httpStatus;
        }

        /** {@return the name of the gRPC status code ({@code io.grpc.Status.Code}) the gRPC transport answers with} */
        public String grpcCode() {
            return grpcCode;
        }

        /** {@return whether the client should try again later: the REST answer carries {@code Retry-After}} */
        public boolean isRetryable() {
            return this == OUT_OF_MEMORY || this == MODEL_NOT_READY;
        }

        /** {@return the meter tag of a request that ended so, e.g. {@code invalid-argument}} */
        public String outcome() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Reason reason;

    /**
     * @param reason why the request failed
     * @param message what the client reads: the tensor, the sizes and the limit
     */
    public InferenceException(Reason reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param reason why the request failed
     * @param message what the client reads: the tensor, the sizes and the limit
     * @param cause what failed underneath, for the log
     */
    public InferenceException(Reason reason, String message, @Nullable Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return why the request failed} */
    public Reason reason() {
        return reason;
    }

    static InferenceException invalid(String message) {
        return new InferenceException(Reason.INVALID_ARGUMENT, message);
    }
}
