package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.ResponseOutput;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code ModelInfer} calls: takes the one request the marshaller read (its inputs already in
 * leases, or its refusal), runs the model, sends the response, and ends the request's leases on every way
 * a call can end: after the response was handed to the transport, when the call is cancelled or its
 * deadline passes, and when it fails.
 *
 * <p>Why not {@code ServerCalls.asyncUnaryCall}: its listener drops a request that arrived before a
 * cancellation without a word, and this request owns leases. Leases are ended only from the call's
 * listener, whose callbacks grpc-java serialises: never while the transport still reads an output from
 * them ({@code sendMessage} drains the response before it returns).
 *
 * <p>Stateless and thread-safe; each call's listener is used by one call.
 */
final class ModelInferHandler implements ServerCallHandler<ParsedInferRequest, InputStream> {

    private static final System.Logger LOG = System.getLogger(ModelInferHandler.class.getName());

    @Override
    public ServerCall.Listener<ParsedInferRequest> startCall(ServerCall<ParsedInferRequest, InputStream> call,
                                                            Metadata headers) {
        // Two, as grpc-java's unary calls ask: a second request message is then seen, and refused.
        call.request(2);
        return new Listener(call);
    }

    private static final class Listener extends ServerCall.Listener<ParsedInferRequest> {

        private final ServerCall<ParsedInferRequest, InputStream> call;
        private @Nullable ParsedInferRequest request;
        private boolean answered;

        Listener(ServerCall<ParsedInferRequest, InputStream> call) {
            this.call = call;
        }

        @Override
        public void onMessage(ParsedInferRequest message) {
            if (answered) {
                message.close();
                return;
            }
            if (request != null) {
                message.close();
                end();
                answered = true;
                close(Status.INVALID_ARGUMENT.withDescription("ModelInfer is unary: a second request message arrived"));
                return;
            }
            request = message;
        }

        @Override
        public void onHalfClose() {
            if (answered) {
                return;
            }
            answered = true;
            ParsedInferRequest current = request;
            if (current == null) {
                close(Status.INVALID_ARGUMENT.withDescription("ModelInfer ended without a request message"));
                return;
            }
            try {
                answer(current);
            } finally {
                current.close();
            }
        }

        @Override
        public void onCancel() {
            end();
        }

        @Override
        public void onComplete() {
            end();
        }

        private void end() {
            if (request != null) {
                request.close();
            }
        }

        private void answer(ParsedInferRequest parsed) {
            Status refusal = parsed.refusal();
            InferenceCall inference = parsed.call();
            if (refusal != null || inference == null) {
                close(refusal != null ? refusal : Status.INTERNAL.withDescription("no request"));
                return;
            }
            if (call.isCancelled()) {
                inference.fail(new IOException("the call was cancelled before the model ran"));
                return;
            }
            List<ResponseOutput> outputs;
            try {
                outputs = inference.infer();
            } catch (InferenceException e) {
                if (e.reason() == InferenceException.Reason.MODEL_FAILED) {
                    LOG.log(System.Logger.Level.WARNING, e.getMessage(), e.getCause() != null ? e.getCause() : e);
                }
                close(GrpcInferenceService.statusOf(e));
                return;
            } catch (RuntimeException e) {
                inference.fail(e);
                LOG.log(System.Logger.Level.ERROR, "ModelInfer for model '" + inference.modelName() + "' failed", e);
                close(Status.INTERNAL.withDescription("ModelInfer for model '" + inference.modelName() + "' failed: " + e));
                return;
            }
            if (call.isCancelled()) {
                inference.fail(new IOException("the call was cancelled while the model ran"));
                return;
            }
            ModelInferResponseWriter.ResponseStream response = ModelInferResponseWriter.stream(inference, outputs);
            if (response.serializedSize() > Integer.MAX_VALUE) {
                InferenceException tooLarge = new InferenceException(InferenceException.Reason.MODEL_FAILED, "model '"
                        + inference.modelName() + "': a response of " + response.serializedSize() + " bytes is larger than "
                        + "a gRPC message can be (" + Integer.MAX_VALUE + " bytes)");
                inference.fail(tooLarge);
                close(GrpcInferenceService.statusOf(tooLarge));
                return;
            }
            try {
                call.sendHeaders(new Metadata());
                call.sendMessage(response);
                call.close(Status.OK, new Metadata());
            } catch (RuntimeException e) {
                inference.fail(e);
                LOG.log(System.Logger.Level.WARNING, "the response of model '" + inference.modelName()
                        + "' could not be sent", e);
                close(Status.INTERNAL.withDescription("the response could not be sent: " + e));
            }
        }

        private void close(Status status) {
            try {
                call.close(status, new Metadata());
            } catch (IllegalStateException alreadyClosed) {
                // The transport closed the call already (it failed, or the client went away).
            }
        }
    }
}
