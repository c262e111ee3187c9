package dev.pinnedmemory.actuate;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The HTTP side of {@link PinnedMemoryEndpoint}'s resize: a refused resize is answered with 404
 * (unknown pool) or 400 (invalid size, over the budget, memory refused) and a
 * {@link PinnedMemoryError} body naming the reason, never with 500; the pool is left as it was.
 * A missing {@code bufferSize} gets 400 with a reason here; a body that is not JSON, or a
 * {@code bufferSize} that is an object or an array, is answered 400 by Spring Boot's endpoint
 * handling before this is called (with Spring Boot's generic error body). A reset of peaks of an
 * unknown pool, or at a path that does not end in {@code peaks}, is 404 with a reason. Owns no memory;
 * thread-safe.
 */
@EndpointWebExtension(endpoint = PinnedMemoryEndpoint.class)
public class PinnedMemoryEndpointWebExtension {

    private final PinnedMemoryEndpoint delegate;

    /** @param delegate the endpoint that does the work */
    public PinnedMemoryEndpointWebExtension(PinnedMemoryEndpoint delegate) {
        this.delegate = delegate;
    }

    /**
     * {@return the pool's statistics after the resize (200), or the refusal (400 or 404)}
     *
     * @param pool the pool's name
     * @param bufferSize the new buffer size in bytes, e.g. {@code 8MB}
     */
    @WriteOperation
    public WebEndpointResponse<Object> resize(@Selector String pool, @Nullable String bufferSize) {
        try {
            return new WebEndpointResponse<>(this.delegate.resize(pool, bufferSize));
        } catch (PoolResizeException ex) {
            return new WebEndpointResponse<>(ex.toError(), ex.status());
        }
    }

    /** {@return the pool's peaks after the reset (200), or 404 naming the known pools} */
    @DeleteOperation
    public WebEndpointResponse<Object> resetPeaks(@Selector String pool, @Selector String peaks) {
        PeaksDescriptor reset = this.delegate.resetPeaks(pool, peaks);
        return reset != null ? new WebEndpointResponse<>(reset) : notFound(pool + "/" + peaks);
    }

    /** {@return every pool's statistics and the budget after the reset (200), or 404} */
    @DeleteOperation
    public WebEndpointResponse<Object> resetAllPeaks(@Selector String peaks) {
        PinnedMemoryDescriptor reset = this.delegate.resetAllPeaks(peaks);
        return reset != null ? new WebEndpointResponse<>(reset) : notFound(peaks);
    }

    private static WebEndpointResponse<Object> notFound(String path) {
        return new WebEndpointResponse<>(new PinnedMemoryError("no peaks at '" + path + "': DELETE /actuator/pinnedmemory/"
                + "{pool}/peaks resets one known pool's peaks, DELETE /actuator/pinnedmemory/peaks every pool's and the "
                + "budget's", path, null), PoolResizeException.NOT_FOUND);
    }
}
