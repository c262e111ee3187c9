package dev.pinnedmemory.inference.grpc;

import java.util.Objects;
import java.util.function.Supplier;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandler;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * A larger HTTP/2 frame size for grpc-java's Netty server ({@code grpc-netty}), which always advertises HTTP/2's
 * default of 16 KiB and has no setting for it: a server configured here sends each connection a second
 * {@code SETTINGS} frame with {@code SETTINGS_MAX_FRAME_SIZE} (after its first: at once without TLS, after the
 * handshake with it), so that clients may send a tensor in fewer, larger {@code DATA} frames. Each frame the
 * server receives costs grpc-java and Netty a few objects and a view of the frame; a 16 MiB tensor in 16 KiB
 * frames is 1,024 of them, and those objects were most of what a {@code ModelInfer} call allocated on the heap.
 * The server accepts the larger frames once the client has acknowledged the setting, as HTTP/2 requires; until
 * then (and from clients that ignore it) frames stay at 16 KiB and everything works as before. What the server
 * sends is still cut into frames of the size each client advertises.
 *
 * {@snippet :
 * EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
 * EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
 * Server grpc = NettyFrameSize.configure(NettyServerBuilder.forPort(8001), 1 << 20, boss, workers)
 *         .addService(new GrpcInferenceService(inferenceServer))
 *         .build().start();
 * // after grpc.shutdown() and awaitTermination: boss.shutdownGracefully(); workers.shutdownGracefully();
 * }
 *
 * <p>It needs nothing of grpc-java beyond its public builder: the server's listening channel (NIO or epoll, as
 * the event loops are) passes each accepted connection a handler that, once grpc-java's HTTP/2 handler is in
 * place, sends the {@code SETTINGS} frame through it and leaves the pipeline. The credentials, TLS included, are
 * the builder's own. As grpc-java requires with a channel of one's own, the builder is also given the event
 * loops, which their creator owns and shuts down after the server. The Spring Boot starter does this for Spring
 * gRPC's Netty server ({@code pinned-memory.inference.grpc.max-frame-size}); not for shaded Netty
 * ({@code grpc-netty-shaded}) or a Unix domain socket. Netty holds a frame whole before it reads it,
 * {@code HEADERS} and {@code DATA} alike, in a buffer it grows in powers of two: any client may make each
 * connection hold up to about twice this many bytes of Netty's pooled direct memory (with 16 KiB frames, about
 * 32 KiB).
 *
 * <p>Ownership: holds no memory; the event loops stay the caller's. Thread-safe: stateless.
 */
public final class NettyFrameSize {

    /** HTTP/2's default and smallest {@code SETTINGS_MAX_FRAME_SIZE}: 16 KiB. */
    public static final int HTTP2_DEFAULT_BYTES = 16_384;
    /** HTTP/2's largest {@code SETTINGS_MAX_FRAME_SIZE}: 2^24 - 1 bytes. */
    public static final int HTTP2_MAX_BYTES = 16_777_215;

    /** Whether Netty's epoll transport classes are there (netty-transport-classes-epoll), for epoll event loops. */
    private static final boolean EPOLL_CLASSES = present("io.netty.channel.epoll.EpollIoHandler");

    private NettyFrameSize() {
    }

    /**
     * Makes {@code builder}'s server listen on a TCP channel that advertises {@code maxFrameSize} to every
     * connection, with {@code boss} accepting connections and {@code workers} serving them. The channel is NIO's
     * or epoll's, as the event loops are; {@value #HTTP2_DEFAULT_BYTES} sends no setting (the channel and event
     * loops are still the ones given).
     *
     * @param builder a builder for a TCP address (not a Unix domain socket), made with any credentials
     * @param maxFrameSize the {@code SETTINGS_MAX_FRAME_SIZE} to advertise, in bytes
     * @param boss event loops that accept connections (one thread is enough): NIO ({@code NioIoHandler}) or epoll
     *     ({@code EpollIoHandler}), of the same kind as {@code workers}
     * @param workers event loops that serve the connections
     * @return {@code builder}
     * @throws IllegalArgumentException naming the value unless it is from {@value #HTTP2_DEFAULT_BYTES} to
     *     {@value #HTTP2_MAX_BYTES}, or naming the event loops' classes unless both are NIO or both epoll
     */
    public static NettyServerBuilder configure(NettyServerBuilder builder, int maxFrameSize, EventLoopGroup boss,
                                               EventLoopGroup workers) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(boss, "boss");
        Objects.requireNonNull(workers, "workers");
        if (maxFrameSize < HTTP2_DEFAULT_BYTES || maxFrameSize > HTTP2_MAX_BYTES) {
            throw new IllegalArgumentException("maxFrameSize: " + maxFrameSize + " bytes (expected: from "
                    + HTTP2_DEFAULT_BYTES + " to " + HTTP2_MAX_BYTES + ", HTTP/2's SETTINGS_MAX_FRAME_SIZE range)");
        }
        Supplier<ServerChannel> channels = listeningChannels(boss, workers);
        return builder.channelFactory(() -> {
            ServerChannel listening = channels.get();
            if (maxFrameSize != HTTP2_DEFAULT_BYTES) {
                // Before the acceptor that Netty's ServerBootstrap adds: each connection gets its advertiser first.
                listening.pipeline().addLast(new Accepted(maxFrameSize));
            }
            return listening;
        }).bossEventLoopGroup(boss).workerEventLoopGroup(workers);
    }

    /** {@return the listening channels the event loops can run}: NIO's or epoll's */
    private static Supplier<ServerChannel> listeningChannels(EventLoopGroup boss, EventLoopGroup workers) {
        if (runs(boss, NioIoHandler.class) && runs(workers, NioIoHandler.class)) {
            return NioServerSocketChannel::new;
        }
        if (EPOLL_CLASSES && EpollChannels.runs(boss) && EpollChannels.runs(workers)) {
            return EpollChannels.listening();
        }
        throw new IllegalArgumentException("boss and workers: " + kind(boss) + " and " + kind(workers)
                + " (expected: event loops of one kind, NIO or epoll, such as MultiThreadIoEventLoopGroup with "
                + "NioIoHandler or EpollIoHandler)");
    }

    private static String kind(EventLoopGroup group) {
        if (runs(group, NioIoHandler.class)) {
            return "NIO event loops";
        }
        if (EPOLL_CLASSES && EpollChannels.runs(group)) {
            return "epoll event loops";
        }
        return group.getClass().getName();
    }

    private static boolean runs(EventLoopGroup group, Class<? extends IoHandler> kind) {
        return group instanceof IoEventLoopGroup io && io.isIoType(kind);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, NettyFrameSize.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Netty's epoll transport, loaded only where its classes are (netty-transport-classes-epoll). */
    private static final class EpollChannels {

        static boolean runs(EventLoopGroup group) {
            return NettyFrameSize.runs(group, EpollIoHandler.class);
        }

        static Supplier<ServerChannel> listening() {
            return EpollServerSocketChannel::new;
        }
    }

    /** On the listening channel: puts an {@link Advertiser} at the head of each accepted connection's pipeline. */
    private static final class Accepted extends ChannelInboundHandlerAdapter {

        private final int maxFrameSize;

        Accepted(int maxFrameSize) {
            this.maxFrameSize = maxFrameSize;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel connection) {
                connection.pipeline().addFirst(new Advertiser(maxFrameSize));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * On a connection: once grpc-java's HTTP/2 handler is in its pipeline, sends the {@code SETTINGS} through it and
     * leaves. Netty applies the setting to what the connection reads when the client acknowledges it.
     */
    private static final class Advertiser extends ChannelInboundHandlerAdapter {

        private final int maxFrameSize;

        Advertiser(int maxFrameSize) {
            this.maxFrameSize = maxFrameSize;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.fireChannelActive();
            advertiseOnceReady(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            advertiseOnceReady(ctx);
            ctx.fireChannelRead(msg);
        }

        private void advertiseOnceReady(ChannelHandlerContext ctx) throws Exception {
            if (ctx.isRemoved()) {
                return;
            }
            ChannelHandlerContext http2 = ctx.pipeline().context(Http2ConnectionHandler.class);
            if (http2 == null) {
                return;
            }
            ctx.pipeline().remove(this);
            ((Http2ConnectionHandler) http2.handler()).encoder().writeSettings(http2,
                    new Http2Settings().maxFrameSize(maxFrameSize), http2.newPromise());
            http2.flush();
        }
    }
}
