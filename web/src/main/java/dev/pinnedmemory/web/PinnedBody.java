package dev.pinnedmemory.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts the request body of a Spring MVC or WebFlux handler into a lease from a pinned memory pool:
 * the parameter is a {@code PinnedBuffer<A>} (WebFlux also {@code Mono<PinnedBuffer<A>>}) whose
 * element type is the pool's.
 *
 * {@snippet :
 * @PostMapping(path = "/api/batches", consumes = "application/octet-stream")
 * BatchReceipt stage(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
 *     // batch.length() == Content-Length / 4; batch.segment() holds the floats in the machine's order
 * }
 * }
 *
 * <p>Sizes: a body with a Content-Length lands in a lease of exactly {@code Content-Length / elementBytes}
 * elements (the smallest size class that holds it); a chunked body is read into a full-size buffer and
 * handed over as a lease of the length that arrived. The bytes are read straight into the pinned memory,
 * never into a heap copy of the body. On the wire the elements are little-endian; in the lease they are
 * in the machine's order (no work on little-endian x86-64 and ARM; swapped per element elsewhere).
 *
 * <p>Refusals, as {@link PinnedBodyException} ({@code ProblemDetail} bodies naming the pool, the sizes
 * and the limit), before anything is read where the headers tell: 413 for a body larger than the pool's
 * largest buffer; 400 for an empty body, one that is not a whole number of elements, or one that ends
 * before its Content-Length; 503 with {@code Retry-After} when no memory is free within the pool's
 * {@code max-wait}.
 *
 * <p>Ownership: the request owns the lease. It ends when the request completes (after the response is
 * written, also for {@code Callable}, {@code DeferredResult} and reactive handlers; also when the handler
 * throws, the client goes away or the exchange is cancelled), unless the handler ended it first with
 * {@code close()} or {@code closeAfter(fence)}; a second end is a no-op. A handler that hands the lease
 * to work outliving the request must end that work first or copy the data.
 *
 * <p>An unknown pool, or a parameter whose element type is not the pool's, fails start-up with a
 * message naming the handler method, the pool and both types.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PinnedBody {

    /**
     * The pool's name ({@code pinned-memory.pools.<name>}); empty for the only pool, or, with several,
     * the one named {@code default}.
     */
    String value() default "";
}
