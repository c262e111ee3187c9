package dev.pinnedmemory.inference.grpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.FuzzServer;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.ResponseOutput;
import inference.GrpcPredictV2.ModelInferResponse;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC fuzz target's machinery: arbitrary wire bytes read by {@code ModelInfer}'s request marshaller
 * ({@link ModelInferRequestReader#read}) as grpc-java would hand them to it, twice: through the
 * transport's own stream over direct buffers of 1 to 16 bytes ({@code KnownLength}, {@code HasByteBuffer},
 * read in place), and through a stream that can be read only once (staged into leases of the pool, as a
 * compressed or in-process message is). A request the marshaller takes then runs as {@code ModelInferHandler}
 * runs it: the model, then the response written by the response marshaller, then the leases end.
 *
 * <p>{@link #readAndCheck} holds what must always hold: a refusal is {@code INVALID_ARGUMENT},
 * {@code NOT_FOUND} or {@code RESOURCE_EXHAUSTED} with a message (never {@code INTERNAL} or {@code UNKNOWN}:
 * the fuzz server's models never fail); a request taken is answered with a response that protobuf parses
 * back, one raw output per output, each of the bytes its shape needs; both streams give the same answer to
 * the byte; and the pool's books balance after each.
 *
 * <p>Not thread-safe: one fuzz target drives it.
 */
public final class GrpcFuzzHarness {

    /** The most bytes of a message: below the fuzzer's inputs of up to 4 KiB, so the refusal is in reach. */
    static final MessageLimit LIMIT = new MessageLimit(3072, "the fuzz server's limit");

    private static final Set<Status.Code> REFUSALS = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.RESOURCE_EXHAUSTED);

    /**
     * What the client got back.
     *
     * @param code the call's status
     * @param description the status's description (null for {@code OK})
     * @param response the serialised {@code ModelInferResponse} for {@code OK}, else null
     */
    public record Outcome(Status.Code code, @Nullable String description, byte @Nullable [] response) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Outcome that && code == that.code && Objects.equals(description, that.description)
                    && Arrays.equals(response, that.response);
        }

        @Override
        public int hashCode() {
            return Objects.hash(code, description, Arrays.hashCode(response));
        }

        @Override
        public String toString() {
            return "Outcome[" + code + (description == null ? "" : ": " + description)
                    + (response == null ? "" : ", a response of " + response.length + " bytes") + "]";
        }
    }

    private final FuzzServer server;
    private final ModelInferRequestReader reader;

    public GrpcFuzzHarness(FuzzServer server) {
        this.server = server;
        this.reader = new ModelInferRequestReader(server.inference(), LIMIT);
    }

    /**
     * Reads {@code message} through both streams, checks each outcome and the pool's books after each, and
     * {@return the outcome}, the same both ways.
     *
     * @throws AssertionError for every broken promise
     */
    public Outcome readAndCheck(byte[] message) throws IOException {
        return readAndCheck(message, () -> { }, () -> { });
    }

    /**
     * As {@link #readAndCheck(byte[])}, with {@code before} run before each of the two reads (to put the client's
     * shared memory back as it was) and {@code after} after each (to check it).
     */
    public Outcome readAndCheck(byte[] message, Runnable before, Runnable after) throws IOException {
        int chunk = 1 + Math.floorMod(Arrays.hashCode(message), 16);
        before.run();
        Outcome transport = outcome(TransportStreams.transport(message, chunk));
        server.assertBalanced("a message read from the transport's buffers of " + chunk + " bytes");
        after.run();
        before.run();
        Outcome staged = outcome(TransportStreams.once(message));
        server.assertBalanced("a message staged from a stream read once");
        after.run();
        if (!transport.equals(staged)) {
            throw new AssertionError("the same message answered differently from the transport's buffers (" + chunk
                    + " bytes each) and from a stream read once:\n  transport: " + transport + "\n  staged:    " + staged);
        }
        return transport;
    }

    /** {@return what a client gets for the message in {@code in}}, checked */
    Outcome outcome(InputStream in) throws IOException {
        try (ParsedInferRequest parsed = reader.read(in)) {
            Status refusal = parsed.refusal();
            if (refusal != null) {
                if (parsed.call() != null) {
                    throw new AssertionError("a refused request with a call: " + parsed);
                }
                return refused(refusal, parsed.cause());
            }
            InferenceCall call = parsed.call();
            if (call == null) {
                throw new AssertionError("neither a call nor a refusal: " + parsed);
            }
            List<ResponseOutput> outputs;
            try {
                outputs = call.infer();
            } catch (InferenceException e) {
                return refused(GrpcInferenceService.statusOf(e), e);
            }
            ModelInferResponseWriter.ResponseStream response = ModelInferResponseWriter.stream(call, outputs);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int drained = response.drainTo(out);
            byte[] bytes = out.toByteArray();
            if (drained != bytes.length || response.serializedSize() != bytes.length) {
                throw new AssertionError("a response of " + bytes.length + " bytes announced as " + response.serializedSize()
                        + " and drained as " + drained);
            }
            checkResponse(bytes, outputs);
            return new Outcome(Status.Code.OK, null, bytes);
        }
    }

    private static Outcome refused(Status refusal, @Nullable Throwable cause) {
        if (!REFUSALS.contains(refusal.getCode()) || refusal.getDescription() == null || refusal.getDescription().isBlank()) {
            throw new AssertionError("a refusal that is not INVALID_ARGUMENT, NOT_FOUND or RESOURCE_EXHAUSTED with a message: "
                    + refusal, cause);
        }
        return new Outcome(refusal.getCode(), refusal.getDescription(), null);
    }

    /** Parses the response back with protobuf's own classes: one raw output per output, each of the bytes its shape needs (none for an output in shared memory). */
    private static void checkResponse(byte[] bytes, List<ResponseOutput> outputs) {
        ModelInferResponse response;
        try {
            response = ModelInferResponse.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a response protobuf cannot parse", e);
        }
        if (response.getOutputsCount() != outputs.size() || response.getRawOutputContentsCount() != outputs.size()) {
            throw new AssertionError(outputs.size() + " outputs answered as " + response.getOutputsCount() + " outputs and "
                    + response.getRawOutputContentsCount() + " raw contents");
        }
        for (int i = 0; i < outputs.size(); i++) {
            ModelInferResponse.InferOutputTensor tensor = response.getOutputs(i);
            Datatype type = Datatype.parse(tensor.getDatatype());
            long elements = 1;
            for (long dimension : tensor.getShapeList()) {
                elements = Math.multiplyExact(elements, dimension);
            }
            long size = response.getRawOutputContents(i).size();
            if (outputs.get(i).inSharedMemory()) {
                // Written into the client's region: an empty raw content keeps the others at their outputs' index (Triton).
                if (size != 0 || !tensor.getParametersMap().containsKey("shared_memory_region")) {
                    throw new AssertionError("output '" + tensor.getName() + "' in shared memory answered with " + size
                            + " raw bytes and parameters " + tensor.getParametersMap().keySet());
                }
                continue;
            }
            if (!type.isVariableSize() ? size != elements * type.byteSize() : size < elements * Integer.BYTES) {
                throw new AssertionError("output '" + tensor.getName() + "' (" + type + ", shape " + tensor.getShapeList()
                        + ") answered with " + size + " bytes");
            }
        }
    }
}
