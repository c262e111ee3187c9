package dev.pinnedmemory.benchmarks.inference;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceRequest;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import dev.pinnedmemory.inference.grpc.NettyFrameSize;
import dev.pinnedmemory.inference.rest.InferenceRestController;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.apache.coyote.http11.AbstractHttp11Protocol;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * One {@link InferenceServer} with the model "scale" (its FP32 {@code INPUT} times 2 as {@code OUTPUT}: every
 * input byte read, every output byte written, where the client asked when it asked in shared memory, else in a
 * lease) and a {@link SharedMemoryRegistry} on the {@code mlock} backend, served over REST (Spring MVC on an
 * embedded Tomcat, random port) and gRPC (grpc-java's Netty server, random port, 1 MiB HTTP/2 frames as the
 * starter's by default: {@code NettyFrameSize}); and the client's side: two
 * POSIX shared memory objects in {@code /dev/shm} of {@code tensorBytes} each, the input written into the first,
 * registered as the regions {@code input} and {@code output}. Built without auto-configuration so it runs the
 * same from the shaded benchmark jar. Owns all of it; {@link #close()} unregisters, stops and removes everything.
 */
final class SharedMemoryBenchServer implements AutoCloseable {

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final PinnedMemoryPool<byte[]> pool;
    final SharedMemoryRegistry registry;
    final InferenceServer inference;
    final MemorySegment clientInput;
    final MemorySegment clientOutput;
    private final AnnotationConfigServletWebServerApplicationContext web;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Server grpc;
    private final Arena client = Arena.ofShared();
    private final Path inputObject;
    private final Path outputObject;

    SharedMemoryBenchServer(int tensorBytes) throws IOException {
        pool = PinnedMemoryPool.builder(ElementType.BYTE).name("tensors").bufferSize(tensorBytes)
                .minBufferSize(Math.min(tensorBytes, 4096)).initialSize(0).maxSize(8).clearOnReturn(false)
                .backend(PageLockingBackends.select(BackendKind.MLOCK, true).backend()).build();
        registry = SharedMemoryRegistry.create(pool.backend(), pool.budget(),
                new SharedMemoryLimits(4, 4L * tensorBytes, java.time.Duration.ofSeconds(30)));
        inference = InferenceServer.builder(pool).model(new Scale(pool)).sharedMemory(registry).build();
        web = new AnnotationConfigServletWebServerApplicationContext();
        web.registerBean(InferenceServer.class, () -> inference);
        web.register(Web.class);
        web.refresh();
        // 1 MiB HTTP/2 frames, as the starter's gRPC server advertises by default.
        grpc = NettyFrameSize.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), 1 << 20, boss, workers)
                .addService(new GrpcInferenceService(inference)).maxInboundMessageSize(Integer.MAX_VALUE).build().start();

        String suffix = ProcessHandle.current().pid() + "-" + System.nanoTime();
        inputObject = Path.of("/dev/shm", "pinned-memory-bench-in-" + suffix);
        outputObject = Path.of("/dev/shm", "pinned-memory-bench-out-" + suffix);
        clientInput = create(inputObject, tensorBytes);
        clientOutput = create(outputObject, tensorBytes);
        for (long i = 0; i < tensorBytes; i += 4) {
            clientInput.set(FLOAT, i, i * 0.25f);
        }
        registry.register("input", "/" + inputObject.getFileName(), 0, tensorBytes);
        registry.register("output", "/" + outputObject.getFileName(), 0, tensorBytes);
    }

    int restPort() {
        return web.getWebServer().getPort();
    }

    int grpcPort() {
        return grpc.getPort();
    }

    /** {@return the client's input values, as "scale" should answer them: element {@code i} times 2} */
    float expected(long element) {
        return clientInput.get(FLOAT, element * 4) * 2;
    }

    private MemorySegment create(Path path, int bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(1), bytes - 1);
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, client);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        web.close();
        registry.close();
        pool.close();
        client.close();
        Files.deleteIfExists(inputObject);
        Files.deleteIfExists(outputObject);
    }

    /** "scale": {@code OUTPUT = 2 x INPUT}, written where the client asked ({@code outputMemory}), else into a lease. */
    static final class Scale implements InferenceModel {

        private final PinnedMemoryPool<byte[]> pool;

        Scale(PinnedMemoryPool<byte[]> pool) {
            this.pool = pool;
        }

        @Override
        public ModelMetadata metadata() {
            return new ModelMetadata("scale", List.of(), "java", List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                    List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L))));
        }

        @Override
        public InferenceResponse infer(InferenceRequest request) {
            MemorySegment input = request.input("INPUT").data();
            MemorySegment into = request.outputMemory("OUTPUT");
            InferenceResponse.Builder response = InferenceResponse.builder();
            MemorySegment output;
            if (into != null) {
                output = into.asSlice(0, input.byteSize());
                response.output("OUTPUT", "FP32", request.input("INPUT").shape(), output);
            } else {
                PinnedBuffer<byte[]> lease = pool.rentWaiting((int) input.byteSize());
                response.output("OUTPUT", "FP32", request.input("INPUT").shape(), lease);
                output = lease.segment();
            }
            for (long i = 0; i < input.byteSize(); i += 4) {
                output.set(FLOAT, i, input.get(FLOAT, i) * 2);
            }
            return response.build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {

        @Bean
        static TomcatServletWebServerFactory tomcat() {
            TomcatServletWebServerFactory tomcat = new TomcatServletWebServerFactory(0);
            tomcat.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    http.setMaxKeepAliveRequests(-1);
                    http.setKeepAliveTimeout(600_000);
                }
            });
            return tomcat;
        }

        @Bean
        static DispatcherServlet dispatcherServlet() {
            return new DispatcherServlet();
        }

        @Bean
        static InferenceRestController inferenceRestController(InferenceServer server) {
            return new InferenceRestController(server);
        }
    }
}
