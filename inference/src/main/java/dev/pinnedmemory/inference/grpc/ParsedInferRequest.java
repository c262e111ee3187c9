package dev.pinnedmemory.inference.grpc;

import java.util.Objects;

import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * What the request marshaller made of one {@code ModelInferRequest}: either a call whose every input is in
 * its lease, checked and ready for the model, or the status to refuse it with. The marshaller answers
 * refusals this way instead of throwing, because grpc-java answers an exception thrown while parsing with
 * {@code UNKNOWN}, not with its status.
 *
 * <p>Ownership: owns the call, and with it every lease of the request, until {@link #close()}. Not
 * thread-safe beyond what {@link InferenceCall} allows: the gRPC call's serialised listener uses it.
 */
final class ParsedInferRequest implements AutoCloseable {

    private final @Nullable InferenceCall call;
    private final @Nullable Status refusal;
    private final @Nullable Throwable cause;

    private ParsedInferRequest(@Nullable InferenceCall call, @Nullable Status refusal, @Nullable Throwable cause) {
        this.call = call;
        this.refusal = refusal;
        this.cause = cause;
    }

    static ParsedInferRequest ready(InferenceCall call) {
        return new ParsedInferRequest(Objects.requireNonNull(call, "call"), null, null);
    }

    static ParsedInferRequest refused(Status refusal, @Nullable Throwable cause) {
        return new ParsedInferRequest(null, Objects.requireNonNull(refusal, "refusal"), cause);
    }

    static ParsedInferRequest refused(InferenceException refusal) {
        return refused(GrpcInferenceService.statusOf(refusal), refusal);
    }

    /** {@return the call, or null for a refused request} */
    @Nullable InferenceCall call() {
        return call;
    }

    /** {@return the status to refuse the request with, or null for a request that is ready} */
    @Nullable Status refusal() {
        return refusal;
    }

    /** {@return what made the request fail, for the log; null when it is ready} */
    @Nullable Throwable cause() {
        return cause;
    }

    /** Ends the call and every lease of the request; a second call does nothing. */
    @Override
    public void close() {
        if (call != null) {
            call.close();
        }
    }

    @Override
    public String toString() {
        return call != null ? "ParsedInferRequest[" + call + "]" : "ParsedInferRequest[refused " + refusal + "]";
    }
}
