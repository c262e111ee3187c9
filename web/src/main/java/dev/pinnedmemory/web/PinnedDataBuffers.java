package dev.pinnedmemory.web;

import java.util.Objects;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Joins a stream of {@link DataBuffer}s (a WebFlux request body, a {@code WebClient} response, a file
 * read with {@code DataBufferUtils}) into one lease from a pinned memory pool, the reactive
 * counterpart of {@code DataBufferUtils.join}: each buffer is copied straight into the lease's memory
 * and released at once.
 *
 * {@snippet :
 * Mono<PinnedBuffer<float[]>> batch = PinnedDataBuffers.join(request.getBody(), frames,
 *         request.getHeaders().getContentLength());
 * }
 *
 * <p>Sizes, refusals and byte order are those of {@link PinnedBody}: a lease of exactly
 * {@code contentLength / elementBytes} elements, or for an unknown length ({@code -1}) a full-size
 * buffer handed on as a lease of what arrived; elements little-endian in the stream, in the machine's
 * order in the lease. Errors are {@link PinnedBodyException}s (413, 400, 503 with {@code Retry-After}).
 * A refusal the length tells (too large, empty, partial element) comes before the stream is
 * subscribed. A rent that has to wait for memory waits up to the pool's {@code max-wait} on
 * {@link Schedulers#boundedElastic()}, never on the caller's thread.
 *
 * <p>Ownership: every {@code DataBuffer} the returned {@code Mono} receives is released exactly once,
 * also when the stream errors, is longer or shorter than declared, or the subscriber cancels. The
 * subscriber that receives the lease owns it and must close it; on error or cancellation no lease
 * reaches it and the memory is back in the pool. Subscribe once: a second subscription reads the
 * stream again. Thread-safe.
 */
public final class PinnedDataBuffers {

    private PinnedDataBuffers() {
    }

    /**
     * {@return the body in one lease from {@code pool}}, as described above.
     *
     * @param body the buffers; subscribed once, after the length checks
     * @param pool the pool to rent from
     * @param contentLength the body's declared length in bytes, or {@code -1} when unknown
     */
    public static <A> Mono<PinnedBuffer<A>> join(Flux<DataBuffer> body, PinnedMemoryPool<A> pool, long contentLength) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(pool, "pool");
        if (contentLength < -1) {
            throw new IllegalArgumentException("contentLength: " + contentLength + " (expected: -1 when unknown, or >= 0)");
        }
        return Mono.defer(() -> {
                    BodyLeases.checkDeclared(pool, contentLength);
                    return rent(pool, contentLength);
                })
                .flatMap(lease -> Mono.<PinnedBuffer<A>>create(sink -> DataBufferFill.start(body, pool, lease,
                        contentLength, sink)))
                .doOnDiscard(Object.class, PinnedDataBuffers::discarded);
    }

    /** What an operator drops on a cancel: a buffer still on its way (released) or a lease nobody took (closed). */
    private static void discarded(Object dropped) {
        if (dropped instanceof DataBuffer buffer) {
            DataBufferUtils.release(buffer);
        } else if (dropped instanceof PinnedBuffer<?> lease) {
            lease.close();
        }
    }

    private static <A> Mono<PinnedBuffer<A>> rent(PinnedMemoryPool<A> pool, long contentLength) {
        PinnedBuffer<A> lease = BodyLeases.tryRent(pool, contentLength);
        return lease != null ? Mono.just(lease)
                : Mono.fromCallable(() -> BodyLeases.rent(pool, contentLength)).subscribeOn(Schedulers.boundedElastic());
    }
}
