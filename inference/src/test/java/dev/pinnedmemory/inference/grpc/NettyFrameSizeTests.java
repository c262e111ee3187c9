package dev.pinnedmemory.inference.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.TestPools;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferInputTensor;
import inference.GrpcPredictV2.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NettyFrameSize}: what grpc-java's own client sends to a server that advertises larger frames, read
 * from the bytes the client puts on the socket (every HTTP/2 frame header), and what the server answers.
 */
class NettyFrameSizeTests {

    private static final int TENSOR_BYTES = 2 << 20;
    private static final int HTTP2_DEFAULT = 16_384;

    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private PinnedMemoryPool<byte[]> pool;
    private InferenceServer inference;

    @BeforeEach
    void start() {
        pool = TestPools.tensors(TENSOR_BYTES);
        inference = InferenceServer.builder(pool).model(GrpcFixtures.echo("FP32")).limits(new InferenceLimits(4, 4096)).build();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(pool.stats().inUse()).as("leases still out").isZero();
        } finally {
            pool.close();
            for (EventLoopGroup group : List.of(boss, workers)) {
                assertThat(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void aConfiguredServerShouldLetTheClientSendTheTensorInFramesLargerThanHttp2sDefault() throws Exception {
        Frames frames = infer(address -> NettyFrameSize.configure(NettyServerBuilder.forAddress(address), 1 << 20, boss, workers));

        assertThat(frames.largestData.get()).as("the largest DATA frame the client sent")
                .isGreaterThan(HTTP2_DEFAULT).isLessThanOrEqualTo(1 << 20);
        assertThat(frames.data.get()).as("DATA frames for a %d-byte tensor", TENSOR_BYTES).isLessThan(TENSOR_BYTES / HTTP2_DEFAULT);
        assertThat(frames.clientMaxFrameSize.get()).as("where the client's HTTP/2 encoder cuts DATA").isEqualTo(1 << 20);
    }

    @Test
    void theSizeShouldBeTheOneAsked() throws Exception {
        Frames frames = infer(address -> NettyFrameSize.configure(NettyServerBuilder.forAddress(address), 32 * 1024, boss, workers));

        assertThat(frames.clientMaxFrameSize.get()).isEqualTo(32 * 1024);
        assertThat(frames.largestData.get()).isEqualTo(32 * 1024);
    }

    @Test
    void aClientWithRoomToWriteShouldSendFramesOfTheWholeSize() throws Exception {
        // grpc-java's client writes no more than its channel's write buffer (64 KiB) per frame; with room for 8 MiB
        // it sends frames of the size advertised, which Netty must take whole before reading them.
        Frames frames = infer(address -> NettyFrameSize.configure(NettyServerBuilder.forAddress(address), 1 << 20, boss, workers),
                InternalProtocolNegotiators::plaintext,
                client -> client.withOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20)));

        assertThat(frames.largestData.get()).isEqualTo(1 << 20);
        assertThat(frames.data.get()).isLessThanOrEqualTo(TENSOR_BYTES / (1 << 20) + 2);
    }

    @Test
    void anEpollServerShouldAdvertiseToo() throws Exception {
        assertThat(Epoll.isAvailable()).as("Netty's native epoll here: %s", Epoll.unavailabilityCause()).isTrue();
        EventLoopGroup epollBoss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup epollWorkers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        try {
            Frames frames = infer(address -> NettyFrameSize.configure(NettyServerBuilder.forAddress(address), 1 << 20,
                    epollBoss, epollWorkers));

            assertThat(frames.clientMaxFrameSize.get()).isEqualTo(1 << 20);
            assertThat(frames.largestData.get()).isGreaterThan(HTTP2_DEFAULT);
            // And one of each kind is refused, naming both.
            assertThatThrownBy(() -> NettyFrameSize.configure(NettyServerBuilder.forPort(0), 1 << 20, boss, epollWorkers))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("boss and workers: NIO event loops and epoll event loops (expected: event loops of one "
                            + "kind, NIO or epoll, such as MultiThreadIoEventLoopGroup with NioIoHandler or EpollIoHandler)");
        } finally {
            epollBoss.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            epollWorkers.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void eventLoopsOfNoSocketTransportShouldBeRefused() {
        EventLoopGroup local = new DefaultEventLoopGroup(1);
        try {
            assertThatThrownBy(() -> NettyFrameSize.configure(NettyServerBuilder.forPort(0), 1 << 20, local, local))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("boss and workers: io.netty.channel.DefaultEventLoopGroup and io.netty.channel.DefaultEventLoopGroup");
        } finally {
            local.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutItTheSameClientShouldSendHttp2sDefaultFrames() throws Exception {
        // The control: the counting client is not what makes frames large.
        Frames frames = infer(NettyServerBuilder::forAddress);

        assertThat(frames.largestData.get()).isEqualTo(HTTP2_DEFAULT);
        assertThat(frames.clientMaxFrameSize.get()).isEqualTo(HTTP2_DEFAULT);
        assertThat(frames.data.get()).isGreaterThanOrEqualTo(TENSOR_BYTES / HTTP2_DEFAULT);
    }

    @Test
    void aServerWithTlsCredentialsShouldStayTlsAndAdvertiseTheSizeToo(@TempDir Path directory) throws Exception {
        // A self-signed certificate for 127.0.0.1, made by the JDK's keytool.
        Path keystore = directory.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "secret", "-keypass", "secret").redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "secret".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "secret".toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        ServerCredentials tls = TlsServerCredentials.newBuilder().keyManager(keys.getKeyManagers()).build();
        SslContext client = GrpcSslContexts.forClient().trustManager(trust).build();

        Frames frames = infer(address -> NettyFrameSize.configure(NettyServerBuilder.forAddress(address, tls), 1 << 20, boss, workers),
                () -> InternalProtocolNegotiators.tls(client, "127.0.0.1", null), channel -> { });

        // The bytes are encrypted on the socket: what the client's HTTP/2 encoder was told to cut DATA at says it.
        assertThat(frames.clientMaxFrameSize.get()).isEqualTo(1 << 20);
    }

    @Test
    void sizesOutsideHttp2sRangeShouldBeRefusedNamingTheValueAndTheRange() {
        for (int size : new int[] {-1, 0, HTTP2_DEFAULT - 1, NettyFrameSize.HTTP2_MAX_BYTES + 1}) {
            assertThatThrownBy(() -> NettyFrameSize.configure(NettyServerBuilder.forPort(0), size, boss, workers))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxFrameSize: " + size + " bytes (expected: from 16384 to 16777215, HTTP/2's "
                            + "SETTINGS_MAX_FRAME_SIZE range)");
        }
        NettyServerBuilder builder = NettyServerBuilder.forPort(0);
        assertThat(NettyFrameSize.configure(builder, NettyFrameSize.HTTP2_MAX_BYTES, boss, workers)).isSameAs(builder);
    }

    /** Serves {@link #inference} on the builder, sends one tensor with a counting client and checks the echo. */
    private Frames infer(Function<InetSocketAddress, NettyServerBuilder> builder) throws Exception {
        return infer(builder, InternalProtocolNegotiators::plaintext, client -> { });
    }

    /** The same, the client's connections negotiated by {@code negotiator} (plaintext or TLS). */
    private Frames infer(Function<InetSocketAddress, NettyServerBuilder> builder,
                         Supplier<InternalProtocolNegotiator.ProtocolNegotiator> negotiator,
                         Consumer<NettyChannelBuilder> clientOptions) throws Exception {
        Server server = builder.apply(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GrpcInferenceService(inference)).maxInboundMessageSize(Integer.MAX_VALUE).build().start();
        Frames frames = new Frames();
        NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .maxInboundMessageSize(Integer.MAX_VALUE);
        InternalNettyChannelBuilder.setProtocolNegotiatorFactory(channelBuilder, new InternalProtocolNegotiator.ClientFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator() {
                return new Counting(negotiator.get(), frames);
            }

            @Override
            public int getDefaultPort() {
                return 80;
            }
        });
        clientOptions.accept(channelBuilder);
        ManagedChannel channel = channelBuilder.build();
        try {
            ByteBuffer data = ByteBuffer.allocate(TENSOR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < TENSOR_BYTES / 4; i++) {
                data.putFloat(i * 4, i);
            }
            ByteString tensor = ByteString.copyFrom(data);
            ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(
                    ModelInferRequest.newBuilder().setModelName("echo_fp32")
                            .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(TENSOR_BYTES / 4))
                            .addRawInputContents(tensor).build());
            assertThat(response.getRawOutputContents(0)).as("the echo").isEqualTo(tensor);
            assertThat(frames.unparsed).as("bytes the frame reader could not place").hasValue(0);
            assertThat(pool.stats().rents()).as("leases rented: the echo's input").isEqualTo(1);
            frames.clientMaxFrameSize.set(frames.client.get().encoder().configuration().frameSizePolicy().maxFrameSize());
            return frames;
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** What a client sent, frame by frame. */
    private static final class Frames {
        final AtomicInteger data = new AtomicInteger();
        final AtomicInteger largestData = new AtomicInteger();
        final AtomicInteger unparsed = new AtomicInteger();
        final AtomicReference<GrpcHttp2ConnectionHandler> client = new AtomicReference<>();
        final AtomicInteger clientMaxFrameSize = new AtomicInteger();
    }

    /** A client's plaintext negotiator with {@link FrameReader} between grpc-java's HTTP/2 handler and the socket. */
    private record Counting(InternalProtocolNegotiator.ProtocolNegotiator delegate, Frames frames)
            implements InternalProtocolNegotiator.ProtocolNegotiator {

        @Override
        public AsciiString scheme() {
            return delegate.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            frames.client.set(grpcHandler);
            return new FrameReader(delegate.newHandler(grpcHandler), frames);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** Reads the HTTP/2 frame headers in the bytes written to the socket (after the 24-byte client preface; plaintext only). */
    private static final class FrameReader extends ChannelOutboundHandlerAdapter {

        private static final int DATA = 0;

        private final ChannelHandler negotiation;
        private final Frames frames;
        private final byte[] header = new byte[9];
        private int prefaceLeft = 24;
        private int headerFill;
        private long payloadLeft;

        FrameReader(ChannelHandler negotiation, Frames frames) {
            this.negotiation = negotiation;
            this.frames = frames;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addAfter(ctx.name(), null, negotiation);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf buffer) {
                read(buffer, buffer.readerIndex(), buffer.writerIndex());
            } else {
                frames.unparsed.incrementAndGet();
            }
            ctx.write(msg, promise);
        }

        private void read(ByteBuf buffer, int from, int to) {
            int at = from;
            while (at < to) {
                if (prefaceLeft > 0) {
                    int step = Math.min(prefaceLeft, to - at);
                    prefaceLeft -= step;
                    at += step;
                } else if (payloadLeft > 0) {
                    int step = (int) Math.min(payloadLeft, to - at);
                    payloadLeft -= step;
                    at += step;
                } else {
                    header[headerFill++] = buffer.getByte(at++);
                    if (headerFill == header.length) {
                        headerFill = 0;
                        int length = (header[0] & 0xFF) << 16 | (header[1] & 0xFF) << 8 | header[2] & 0xFF;
                        if (header[3] == DATA) {
                            frames.data.incrementAndGet();
                            frames.largestData.accumulateAndGet(length, Math::max);
                        }
                        payloadLeft = length;
                    }
                }
            }
        }
    }
}
