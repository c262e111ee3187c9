package dev.pinnedmemory.web;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.MonoSink;
import reactor.util.context.Context;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * One {@link PinnedDataBuffers#join}: the subscriber of the body that copies each buffer into the
 * lease and releases it, the one place that does either. It is the last consumer of every buffer it
 * receives, so no operator after it can release one again; buffers still upstream when it cancels are
 * released by their sources or by the discard hook its context carries.
 *
 * <p>Thread-safe: the body may signal on one thread while the subscriber cancels on another; copying
 * and giving the lease up exclude each other, so nothing is ever written into memory that went back.
 */
final class DataBufferFill<A> implements CoreSubscriber<DataBuffer> {

    private final PinnedMemoryPool<A> pool;
    private final long declared;
    private final MonoSink<PinnedBuffer<A>> sink;
    private final MemorySegment target;
    /** The lease while this fill has it; null once handed on or given up. */
    private @Nullable PinnedBuffer<A> lease;
    private long filled;
    private @Nullable Subscription subscription;
    /** Whether the body is no longer wanted: refused, or the subscriber cancelled. Later signals are only released. */
    private boolean stopped;

    private DataBufferFill(PinnedMemoryPool<A> pool, PinnedBuffer<A> lease, long declared, MonoSink<PinnedBuffer<A>> sink) {
        this.pool = pool;
        this.declared = declared;
        this.sink = sink;
        this.lease = lease;
        this.target = lease.segment();
    }

    static <A> void start(Flux<DataBuffer> body, PinnedMemoryPool<A> pool, PinnedBuffer<A> lease, long declared,
                          MonoSink<PinnedBuffer<A>> sink) {
        DataBufferFill<A> fill = new DataBufferFill<>(pool, lease, declared, sink);
        sink.onCancel(fill::cancelled);
        body.subscribe(fill);
    }

    @Override
    public Context currentContext() {
        return Context.of(sink.contextView());   // the discard hooks of join() reach the body's operators
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        boolean cancelNow;
        synchronized (this) {
            this.subscription = subscription;
            cancelNow = stopped;
        }
        if (cancelNow) {
            subscription.cancel();
        } else {
            subscription.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(DataBuffer buffer) {
        PinnedBodyException refused = null;
        try {
            synchronized (this) {
                if (lease == null) {
                    return;   // given up already: the buffer is only released
                }
                int bytes = buffer.readableByteCount();
                if (bytes > target.byteSize() - filled) {
                    refused = declared >= 0 ? PinnedBodyException.longer(pool, declared)
                            : PinnedBodyException.tooLarge(pool, filled + bytes, true);
                } else {
                    copy(buffer);
                }
            }
        } finally {
            DataBufferUtils.release(buffer);
        }
        if (refused != null) {
            cancel();
            fail(refused);
        }
    }

    private void copy(DataBuffer buffer) {
        try (DataBuffer.ByteBufferIterator parts = buffer.readableByteBuffers()) {
            while (parts.hasNext()) {
                ByteBuffer part = parts.next();
                int bytes = part.remaining();
                MemorySegment.copy(MemorySegment.ofBuffer(part), 0, target, filled, bytes);
                filled += bytes;
            }
        }
    }

    @Override
    public void onComplete() {
        PinnedBuffer<A> body;
        synchronized (this) {
            PinnedBuffer<A> held = lease;
            if (held == null) {
                return;
            }
            try {
                body = BodyLeases.complete(pool, held, filled, declared);
            } catch (RuntimeException e) {
                lease = null;
                held.close();
                sink.error(e);
                return;
            }
            lease = null;
        }
        sink.success(body);   // discarded (and so closed) by join()'s hook if the subscriber cancelled meanwhile
    }

    @Override
    public void onError(Throwable error) {
        boolean wanted;
        synchronized (this) {
            wanted = !stopped;
        }
        if (wanted) {
            fail(error instanceof PinnedBodyException ? error : PinnedBodyException.unreadable(pool, filled, declared, error));
        }
        // Else the subscriber cancelled, typically because the client went away: the body's error is expected.
    }

    private void fail(Throwable error) {
        giveUp();
        sink.error(error);
    }

    private void cancelled() {
        cancel();
        giveUp();
    }

    private void cancel() {
        Subscription upstream;
        synchronized (this) {
            stopped = true;
            upstream = subscription;
        }
        if (upstream != null) {
            upstream.cancel();
        }
    }

    private void giveUp() {
        PinnedBuffer<A> held;
        synchronized (this) {
            held = lease;
            lease = null;
        }
        if (held != null) {
            held.close();
        }
    }
}
