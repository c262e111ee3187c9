package dev.pinnedmemory.inference.grpc;

import java.io.InputStream;
import java.util.Objects;
import java.util.function.Supplier;

import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceServer;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The Open Inference Protocol over gRPC: {@code inference.GRPCInferenceService} as KServe's
 * {@code grpc_predict_v2.proto} (and Triton's {@code grpc_service.proto}) define it, with
 * {@code ServerLive}, {@code ServerReady}, {@code ModelReady}, {@code ServerMetadata}, {@code ModelMetadata}
 * and {@code ModelInfer}, serving the models of an {@link InferenceServer} under the same rules as its REST
 * endpoints; and Triton's {@code SystemSharedMemoryRegister}, {@code SystemSharedMemoryUnregister} and
 * {@code SystemSharedMemoryStatus} over the server's shared memory registry ({@code PERMISSION_DENIED} while it
 * is switched off), with the messages and field numbers of Triton's {@code grpc_service.proto}. Bind it to any grpc-java server; with the Spring Boot starter it is a bean that Spring gRPC
 * serves.
 *
 * {@snippet :
 * GrpcInferenceService service = new GrpcInferenceService(inferenceServer);
 * Server grpc = NettyServerBuilder.forPort(8001)
 *         .addService(service)
 *         .maxInboundMessageSize(Math.toIntExact(service.maxMessageBytes()))   // the server's own limit must allow ours
 *         .build().start();
 * }
 *
 * <p>{@code ModelInfer} reads the request's wire format itself: every {@code raw_input_contents} (and every
 * typed {@code contents}) goes from the transport's buffers into a lease of the server's pool, with no
 * protobuf message and no heap copy of tensor bytes; outputs are written as {@code raw_output_contents}
 * straight from their segments or leases. A request larger than {@link #maxMessageBytes()} is refused with
 * {@code RESOURCE_EXHAUSTED} before its bytes are read. Refusals carry the status of their
 * {@link InferenceException.Reason} ({@code INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code RESOURCE_EXHAUSTED},
 * {@code UNAVAILABLE}, {@code INTERNAL}) and a message naming the tensor, the sizes and the limit.
 *
 * <p>Ownership: refers to the server, which its creator owns. Every lease of a call ends when the response
 * has been handed to the transport, when the call is cancelled or its deadline passes, or when it fails.
 *
 * <p>Thread-safe: immutable; grpc-java runs its calls concurrently.
 */
public final class GrpcInferenceService implements BindableService {

    /** The service's full name in the protocol. */
    public static final String SERVICE_NAME = "inference.GRPCInferenceService";

    private final InferenceServer server;
    private final MessageLimit limit;

    /** A service whose largest request is {@link #defaultMaxMessageBytes(InferenceServer)}. */
    public GrpcInferenceService(InferenceServer server) {
        this(server, defaultLimit(Objects.requireNonNull(server, "server")));
    }

    /**
     * A service whose largest request is {@code maxMessageBytes}.
     *
     * @throws IllegalArgumentException naming the value unless it is from 1 to {@link Integer#MAX_VALUE}
     *     (gRPC's largest message)
     */
    public GrpcInferenceService(InferenceServer server, long maxMessageBytes) {
        this(server, new MessageLimit(checkedMax(maxMessageBytes),
                "pinned-memory.inference.grpc.max-message-size"));
    }

    private GrpcInferenceService(InferenceServer server, MessageLimit limit) {
        this.server = Objects.requireNonNull(server, "server");
        this.limit = limit;
    }

    /**
     * {@return the largest request a server takes by default}: its pool's largest buffer times the inputs
     * a request may have ({@code max-inputs}), plus the bytes its names and parameters may take
     * ({@code max-header-size}), at most {@link Integer#MAX_VALUE}
     */
    public static long defaultMaxMessageBytes(InferenceServer server) {
        return defaultLimit(server).bytes();
    }

    /** {@return the largest {@code ModelInfer} request this service takes, in bytes} The gRPC server's own limit must be at least this. */
    public long maxMessageBytes() {
        return limit.bytes();
    }

    /** {@return the server whose models this service serves} */
    public InferenceServer server() {
        return server;
    }

    @Override
    public ServerServiceDefinition bindService() {
        ModelInferRequestReader reader = new ModelInferRequestReader(server, limit);
        MethodDescriptor.Marshaller<ParsedInferRequest> inferRequests = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(ParsedInferRequest value) {
                throw new UnsupportedOperationException("the server reads requests; it never writes them");
            }

            @Override
            public ParsedInferRequest parse(InputStream stream) {
                return reader.read(stream);
            }
        };
        return ServerServiceDefinition.builder(SERVICE_NAME)
                .addMethod(method("ServerLive", ProtocolMessages.EMPTY), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> ProtocolMessages.flag(server.isLive()))))
                .addMethod(method("ServerReady", ProtocolMessages.EMPTY), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> ProtocolMessages.flag(server.isReady()))))
                .addMethod(method("ModelReady", ProtocolMessages.MODEL_REF), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> ProtocolMessages.flag(
                                server.isModelReady(checked(request).name(), request.version())))))
                .addMethod(method("ServerMetadata", ProtocolMessages.EMPTY), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> ProtocolMessages.serverMetadata(server.metadata()))))
                .addMethod(method("ModelMetadata", ProtocolMessages.MODEL_REF), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> ProtocolMessages.modelMetadata(
                                server.modelMetadata(checked(request).name(), request.version())))))
                .addMethod(method("ModelInfer", inferRequests), new ModelInferHandler())
                .addMethod(method("SystemSharedMemoryStatus", ProtocolMessages.REGION_REQUEST), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> {
                            requireSharedMemory();
                            return ProtocolMessages.regionStatus(server.sharedMemory().status(checked(request).name()));
                        })))
                .addMethod(method("SystemSharedMemoryRegister", ProtocolMessages.REGION_REQUEST), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> {
                            requireSharedMemory();
                            ProtocolMessages.RegionRequest region = checked(request);
                            server.sharedMemory().register(region.name(), region.key(), region.offset(), region.byteSize());
                            return ProtocolMessages.empty();
                        })))
                .addMethod(method("SystemSharedMemoryUnregister", ProtocolMessages.REGION_REQUEST), ServerCalls.asyncUnaryCall(
                        (request, responses) -> answer(responses, () -> {
                            requireSharedMemory();
                            String name = checked(request).name();
                            if (name.isEmpty()) {
                                server.sharedMemory().unregisterAll();
                            } else {
                                server.sharedMemory().unregister(name);
                            }
                            return ProtocolMessages.empty();
                        })))
                .build();
    }

    /** {@return the status a transport answers {@code refusal} with: its reason's code and its message} */
    static Status statusOf(InferenceException refusal) {
        return Status.fromCode(Status.Code.valueOf(refusal.reason().grpcCode())).withDescription(refusal.getMessage());
    }

    private static <T> MethodDescriptor<T, InputStream> method(String name, MethodDescriptor.Marshaller<T> requests) {
        return MethodDescriptor.<T, InputStream>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
                .setRequestMarshaller(requests)
                .setResponseMarshaller(ProtocolMessages.RESPONSE)
                .build();
    }

    private static ProtocolMessages.ModelRef checked(ProtocolMessages.ModelRef request) {
        if (request.problem() != null) {
            throw request.problem();
        }
        return request;
    }

    private static ProtocolMessages.RegionRequest checked(ProtocolMessages.RegionRequest request) {
        if (request.problem() != null) {
            throw request.problem();
        }
        return request;
    }

    /** Refuses with {@code PERMISSION_DENIED} while the extension is off, before the request's bytes are looked at. */
    private void requireSharedMemory() {
        if (!server.sharedMemory().isEnabled()) {
            server.sharedMemory().status(null);   // throws FORBIDDEN, naming the property
        }
    }

    private static void answer(StreamObserver<InputStream> responses, Supplier<InputStream> response) {
        InputStream message;
        try {
            message = response.get();
        } catch (InferenceException e) {
            responses.onError(statusOf(e).asRuntimeException());
            return;
        }
        responses.onNext(message);
        responses.onCompleted();
    }

    private static MessageLimit defaultLimit(InferenceServer server) {
        long largest = server.maxTensorBytes();
        int inputs = server.limits().maxInputs();
        long header = server.limits().maxHeaderBytes();
        long bytes;
        try {
            bytes = Math.min(Integer.MAX_VALUE, Math.addExact(Math.multiplyExact(largest, (long) inputs), header));
        } catch (ArithmeticException overflow) {
            bytes = Integer.MAX_VALUE;
        }
        return new MessageLimit(bytes, "pool '" + server.pool().name() + "' largest buffer of " + largest + " bytes x "
                + inputs + " inputs (pinned-memory.inference.max-inputs) + " + header + " bytes for names and parameters "
                + "(pinned-memory.inference.max-header-size), at most gRPC's " + Integer.MAX_VALUE);
    }

    private static long checkedMax(long maxMessageBytes) {
        if (maxMessageBytes < 1 || maxMessageBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: from 1 to "
                    + Integer.MAX_VALUE + ", gRPC's largest message)");
        }
        return maxMessageBytes;
    }

    @Override
    public String toString() {
        return "GrpcInferenceService[" + server + ", maxMessageBytes=" + limit.bytes() + "]";
    }
}
