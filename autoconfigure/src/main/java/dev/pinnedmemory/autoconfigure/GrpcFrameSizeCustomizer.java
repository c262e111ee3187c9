package dev.pinnedmemory.autoconfigure;

import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.inference.grpc.NettyFrameSize;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Makes Spring gRPC's Netty server advertise {@code pinned-memory.inference.grpc.max-frame-size} HTTP/2 frames
 * ({@link NettyFrameSize}), on NIO event loops it makes for the first Netty builder it sees (one accepting
 * thread, Netty's default count of serving threads, daemon threads named {@code pinned-memory-grpc-*}) and
 * shuts down with the context, after Spring gRPC has stopped its server. Leaves other builders (in-process,
 * shaded Netty) and a size of 16KB (HTTP/2's default) alone. The server's credentials, TLS included, stay
 * Spring gRPC's.
 *
 * <p>Ownership: owns the event loops. Thread-safe: builders may be customized from any thread.
 */
final class GrpcFrameSizeCustomizer<T extends ServerBuilder<T>> implements ServerBuilderCustomizer<T>, DisposableBean {

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
            boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pinned-memory-grpc-boss", true),
                    NioIoHandler.newFactory());
            workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("pinned-memory-grpc-worker", true),
                    NioIoHandler.newFactory());
        }
        NettyFrameSize.configure(netty, maxFrameSize, boss, workers);
    }

    /** {@return the serving event loops}, made for the first Netty builder; null before it and once destroyed */
    synchronized @Nullable EventLoopGroup workers() {
        return workers;
    }

    @Override
    public synchronized void destroy() {
        for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
        boss = null;
        workers = null;
    }
}
