package dev.pinnedmemory.benchmarks.grpc;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceRequest;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import dev.pinnedmemory.inference.grpc.NettyFrameSize;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.ModelInferRequest;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/**
 * One inference service on grpc-java's Netty server on loopback, in this JVM: {@code pinned}
 * ({@link GrpcInferenceService}) or {@code generated} ({@link GeneratedInferenceService}), serving the model
 * "echo" (its FP32 input back as its output) from a byte pool of the {@code mlock} backend; and a channel to
 * it with the generated blocking stub. Every server thread (Netty's event loops, the call executor) comes
 * from factories that record it, so {@link #serverAllocatedBytes()} counts the heap the server allocates,
 * apart from the client's. Not thread-safe to set up; the stub is.
 */
final class BenchGrpcServer implements AutoCloseable {

    private final List<Thread> serverThreads = new CopyOnWriteArrayList<>();
    private final PinnedMemoryPool<byte[]> pool;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final Server server;
    private final ManagedChannel channel;
    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    BenchGrpcServer(String implementation, int tensorBytes, int executorThreads, int maxFrameSize) throws IOException {
        pool = PinnedMemoryPool.builder(ElementType.BYTE).name("tensors").bufferSize(Math.max(tensorBytes, 4096))
                .minBufferSize(4096).initialSize(0).maxSize(64).clearOnReturn(false)
                .backend(PageLockingBackends.select(BackendKind.MLOCK, true).backend()).build();
        InferenceServer inference = InferenceServer.builder(pool).model(new Echo()).limits(InferenceLimits.DEFAULTS).build();
        BindableService service = switch (implementation) {
            case "pinned" -> new GrpcInferenceService(inference);
            case "generated" -> new GeneratedInferenceService(inference);
            default -> throw new IllegalArgumentException("implementation: " + implementation + " (expected: pinned, generated)");
        };
        boss = new MultiThreadIoEventLoopGroup(1, recording("grpc-boss"), NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(2, recording("grpc-worker"), NioIoHandler.newFactory());
        executor = Executors.newFixedThreadPool(executorThreads, recording("grpc-call"));
        server = NettyFrameSize.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), maxFrameSize,
                        boss, workers)
                .addService(service).maxInboundMessageSize(Integer.MAX_VALUE)
                .executor(executor)
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    /** {@return a request for "echo" with one FP32 input of {@code bytes} bytes as raw contents} */
    static ModelInferRequest request(int bytes) {
        ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes / 4; i++) {
            data.putFloat(i, i * 0.5f);
        }
        return ModelInferRequest.newBuilder().setModelName("echo")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32")
                        .addShape(bytes / 4))
                .addRawInputContents(ByteString.copyFrom(data))
                .build();
    }

    /** {@return the heap bytes every server thread allocated so far} */
    long serverAllocatedBytes() {
        return allocatedBy("grpc-");
    }

    /**
     * {@return the heap bytes the call executor's threads allocated so far}: the marshallers, the service and
     * the model; the rest of the server's ({@link #serverAllocatedBytes()} minus this) is Netty's HTTP/2
     * transport on its event loops, the same for every service
     */
    long callThreadsAllocatedBytes() {
        return allocatedBy("grpc-call");
    }

    private long allocatedBy(String prefix) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : serverThreads) {
            if (thread.getName().startsWith(prefix)) {
                total += Math.max(0, threads.getThreadAllocatedBytes(thread.threadId()));
            }
        }
        return total;
    }

    /** {@return the pool's leases in use now: 0 between calls} */
    long leasesInUse() {
        return pool.stats().inUse();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        executor.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        pool.close();
    }

    private ThreadFactory recording(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            serverThreads.add(thread);
            return thread;
        };
    }

    /** "echo": its FP32 input back as its output, the input's own lease. */
    private static final class Echo implements InferenceModel {

        @Override
        public ModelMetadata metadata() {
            return new ModelMetadata("echo", List.of(), "java", List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                    List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L))));
        }

        @Override
        public InferenceResponse infer(InferenceRequest request) {
            return InferenceResponse.builder().output("OUTPUT", "FP32", request.input("INPUT").shape(),
                    request.input("INPUT").data()).build();
        }
    }
}
