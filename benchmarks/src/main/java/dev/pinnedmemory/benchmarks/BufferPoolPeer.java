package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * One way to get a reusable off-heap buffer and give it back, as a user of each library would
 * write it: the pinned pool and the peers it is measured against. Each implementation owns its
 * pool; {@link #close()} releases it.
 *
 * <p>Every peer is built with {@code buffers} idle buffers up front and never runs dry with up to
 * {@code buffers} threads, so the benchmark measures the hit path, which is what a sized pool
 * serves in steady state.
 */
sealed interface BufferPoolPeer extends AutoCloseable {

    /** The values of {@code RentReturnBenchmark.implementation}. */
    String PINNED_POOL = "pinned-pool";
    String PINNED_POOL_CLEARING = "pinned-pool-clearing";
    String PINNED_POOL_STRICT = "pinned-pool-strict";
    String NETTY_POOLED = "netty-pooled";
    String NETTY_ADAPTIVE = "netty-adaptive";
    String COMMONS_POOL2 = "commons-pool2";
    String ARRAY_BLOCKING_QUEUE = "array-blocking-queue";

    /** Rents one buffer and returns it at once; {@return the buffer, for the Blackhole} */
    Object rentAndReturn();

    @Override
    void close();

    static BufferPoolPeer create(String implementation, int bytes, int buffers) {
        return switch (implementation) {
            case PINNED_POOL -> new Pinned(PINNED_POOL, bytes, buffers, false, false);
            case PINNED_POOL_CLEARING -> new Pinned(PINNED_POOL_CLEARING, bytes, buffers, true, false);
            case PINNED_POOL_STRICT -> new Pinned(PINNED_POOL_STRICT, bytes, buffers, false, true);
            case NETTY_POOLED -> new Netty(new PooledByteBufAllocator(true), bytes);
            case NETTY_ADAPTIVE -> new Netty(new AdaptiveByteBufAllocator(true, true), bytes);
            case COMMONS_POOL2 -> new CommonsPool2(bytes, buffers);
            case ARRAY_BLOCKING_QUEUE -> new QueuePool(bytes, buffers);
            default -> throw new IllegalArgumentException("implementation: '" + implementation + "' (expected one of: "
                    + String.join(", ", PINNED_POOL, PINNED_POOL_CLEARING, PINNED_POOL_STRICT, NETTY_POOLED,
                    NETTY_ADAPTIVE, COMMONS_POOL2, ARRAY_BLOCKING_QUEUE) + ")");
        };
    }

    /**
     * Our pool, page-locked with {@code mlock}; {@code clearOnReturn} zeroes every returned buffer,
     * {@code strictSegments} gives every lease a segment of its own (an arena opened per rent and
     * closed per return) that throws once the lease ends.
     */
    final class Pinned implements BufferPoolPeer {
        private final PinnedMemoryPool<byte[]> pool;

        Pinned(String name, int bytes, int buffers, boolean clearOnReturn, boolean strictSegments) {
            pool = PinnedMemoryPool.builder(ElementType.BYTE)
                    .bufferSize(bytes)
                    .initialSize(buffers)
                    .maxSize(buffers)
                    .clearOnReturn(clearOnReturn)
                    .strictSegments(strictSegments)
                    .backend(Backends.mlock())
                    .name(name)
                    .build();
        }

        @Override
        public Object rentAndReturn() {
            PinnedBuffer<byte[]> buffer = pool.rent();
            buffer.close();
            return buffer;
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /**
     * A Netty 4.2 allocator, {@code directBuffer} + {@code release}, a private instance so trials do
     * not share arenas: {@code netty-pooled} is {@code PooledByteBufAllocator} with its defaults
     * (direct, per-thread caches, simple leak sampling), as {@code PooledByteBufAllocator.DEFAULT}
     * would give; {@code netty-adaptive} is {@code AdaptiveByteBufAllocator}, Netty 4.2's default
     * allocator, direct and with its per-thread magazines on for every thread (by default only event
     * loop threads get them, and a JMH thread is none).
     */
    final class Netty implements BufferPoolPeer {
        private final ByteBufAllocator allocator;
        private final int bytes;

        Netty(ByteBufAllocator allocator, int bytes) {
            this.allocator = allocator;
            this.bytes = bytes;
            allocator.directBuffer(bytes).release();
        }

        @Override
        public Object rentAndReturn() {
            ByteBuf buffer = allocator.directBuffer(bytes);
            buffer.release();
            return buffer;
        }

        @Override
        public void close() {
            // The allocator's arenas live until it is unreachable; nothing to release explicitly.
        }
    }

    /** Apache Commons Pool 2's {@link GenericObjectPool} of direct buffers, JMX off (as it would be in a library). */
    final class CommonsPool2 implements BufferPoolPeer {
        private final GenericObjectPool<ByteBuffer> pool;

        CommonsPool2(int bytes, int buffers) {
            GenericObjectPoolConfig<ByteBuffer> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(buffers);
            config.setMaxIdle(buffers);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(new DirectBufferFactory(bytes), config);
            try {
                pool.addObjects(buffers);
            } catch (Exception e) {
                throw new IllegalStateException("commons-pool2: could not pre-fill " + buffers + " buffers", e);
            }
        }

        @Override
        public Object rentAndReturn() {
            ByteBuffer buffer;
            try {
                buffer = pool.borrowObject();
            } catch (Exception e) {
                throw new IllegalStateException("commons-pool2: borrowObject failed", e);
            }
            pool.returnObject(buffer);
            return buffer;
        }

        @Override
        public void close() {
            pool.close();
        }

        private static final class DirectBufferFactory extends BasePooledObjectFactory<ByteBuffer> {
            private final int bytes;

            DirectBufferFactory(int bytes) {
                this.bytes = bytes;
            }

            @Override
            public ByteBuffer create() {
                return ByteBuffer.allocateDirect(bytes);
            }

            @Override
            public PooledObject<ByteBuffer> wrap(ByteBuffer buffer) {
                return new DefaultPooledObject<>(buffer);
            }
        }
    }

    /** The pool many services write by hand: an {@link ArrayBlockingQueue} of direct buffers. */
    final class QueuePool implements BufferPoolPeer {
        private final ArrayBlockingQueue<ByteBuffer> idle;
        private final int bytes;

        QueuePool(int bytes, int buffers) {
            this.bytes = bytes;
            this.idle = new ArrayBlockingQueue<>(buffers);
            for (int i = 0; i < buffers; i++) {
                idle.add(ByteBuffer.allocateDirect(bytes));
            }
        }

        @Override
        public Object rentAndReturn() {
            ByteBuffer buffer = idle.poll();
            if (buffer == null) {
                buffer = ByteBuffer.allocateDirect(bytes);
            }
            buffer.clear();
            idle.offer(buffer);
            return buffer;
        }

        @Override
        public void close() {
            idle.clear();
        }
    }
}
