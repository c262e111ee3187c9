package dev.pinnedmemory.autoconfigure;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.inference.grpc.NettyFrameSize;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.util.ClassUtils;

/**
 * Makes Spring gRPC's Netty server advertise {@code pinned-memory.inference.grpc.max-frame-size} HTTP/2 frames
 * ({@link NettyFrameSize}), on event loops it makes for the first Netty builder it sees, of the transport
 * grpc-netty would pick itself (epoll where Netty's native epoll is on the class path and loads, else NIO): one
 * accepting thread, Netty's default count of serving threads, daemon threads named {@code pinned-memory-grpc-*}.
 * It shuts them down when the context closes, after Spring gRPC's server was stopped (a short quiet period lets
 * the last connections' tasks run). Leaves alone other builders (in-process, shaded Netty) and, when built with
 * HTTP/2's default of 16KB (as for a Unix domain socket address), every builder. The server's credentials, TLS
 * included, stay Spring gRPC's.
 *
 * <p>Ownership: owns the event loops. Thread-safe: builders may be customized from any thread.
 */
final class GrpcFrameSizeCustomizer<T extends ServerBuilder<T>> implements ServerBuilderCustomizer<T>, DisposableBean {

    private static final boolean EPOLL_CLASSES = ClassUtils.isPresent("io.netty.channel.epoll.Epoll",
            GrpcFrameSizeCustomizer.class.getClassLoader());

    private final int maxFrameSize;
    private @Nullable EventLoopGroup boss;
    private @Nullable EventLoopGroup workers;

    GrpcFrameSizeCustomizer(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public synchronized void customize(T builder) {
        if (!(builder instanceof NettyServerBuilder netty) || maxFrameSize == NettyFrameSize.HTTP2_DEFAULT_BYTES) {
            return;
        }
        if (boss == null || workers == null) {
            IoHandlerFactory io = EPOLL_CLASSES && EpollTransport.available() ? EpollTransport.handlers()
                    : NioIoHandler.newFactory();
            boss = new MultiThreadIoEventLoopGroup(1, threads("boss"), io);
            workers = new MultiThreadIoEventLoopGroup(0, threads("worker"), io);
        }
        NettyFrameSize.configure(netty, maxFrameSize, boss, workers);
    }

    /** {@return the serving event loops}, made for the first Netty builder; null before it and once destroyed */
    synchronized @Nullable EventLoopGroup workers() {
        return workers;
    }

    @Override
    public synchronized void destroy() {
        EventLoopGroup[] groups = {boss, workers};
        for (EventLoopGroup group : groups) {
            if (group != null) {
                group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS);
            }
        }
        for (EventLoopGroup group : groups) {
            if (group != null) {
                group.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
        boss = null;
        workers = null;
    }

    private static ThreadFactory threads(String role) {
        return new DefaultThreadFactory("pinned-memory-grpc-" + role, true);
    }

    /** Netty's native epoll, touched only where its classes are. */
    private static final class EpollTransport {

        static boolean available() {
            return Epoll.isAvailable();
        }

        static IoHandlerFactory handlers() {
            return EpollIoHandler.newFactory();
        }
    }
}
