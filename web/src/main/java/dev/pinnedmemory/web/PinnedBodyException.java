package dev.pinnedmemory.web;

import java.time.Duration;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request body that {@link PinnedBody} or {@link PinnedDataBuffers} refused: its status (413, 400 or
 * 503) and a {@link ProblemDetail} whose {@code detail} names the pool, the sizes and the limit, with the
 * properties {@code pool}, {@code bodyBytes} (what was declared or arrived, when known) and
 * {@code limitBytes} (the pool's largest buffer). A 503 carries {@code Retry-After}. Spring MVC and
 * WebFlux answer it as {@code application/problem+json}. Immutable once thrown.
 */
public final class PinnedBodyException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    /** Seconds a client is asked to wait after a 503: a buffer comes back when another request completes. */
    static final String RETRY_AFTER_SECONDS = "1";

    private PinnedBodyException(HttpStatus status, String detail, PinnedMemoryPool<?> pool, long bodyBytes,
                                @Nullable Throwable cause) {
        super(status, problem(status, detail, pool, bodyBytes), cause);
        if (status == HttpStatus.SERVICE_UNAVAILABLE) {
            getHeaders().set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
    }

    private static ProblemDetail problem(HttpStatus status, String detail, PinnedMemoryPool<?> pool, long bodyBytes) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setProperty("pool", pool.name());
        if (bodyBytes >= 0) {
            problem.setProperty("bodyBytes", bodyBytes);
        }
        problem.setProperty("limitBytes", BodyLeases.maxBytes(pool));
        return problem;
    }

    /** {@return the refusal's detail, as in the answer} */
    public String detail() {
        String detail = getBody().getDetail();
        return detail != null ? detail : "";
    }

    @Override
    public String getMessage() {
        return getStatusCode().value() + " " + detail();
    }

    static PinnedBodyException tooLarge(PinnedMemoryPool<?> pool, long bodyBytes, boolean atLeast) {
        long limit = BodyLeases.maxBytes(pool);
        return new PinnedBodyException(HttpStatus.CONTENT_TOO_LARGE, "body of " + (atLeast ? "more than " + limit
                : bodyBytes) + " bytes does not fit the largest '" + pool.name() + "' buffer of " + limit + " bytes ("
                + pool.bufferSize() + " " + wireName(pool.elementType()) + " values); send smaller bodies or resize the pool",
                pool, atLeast ? -1 : bodyBytes, null);
    }

    static PinnedBodyException empty(PinnedMemoryPool<?> pool) {
        return new PinnedBodyException(HttpStatus.BAD_REQUEST, "empty body (expected: little-endian "
                + wireName(pool.elementType()) + " values, " + pool.elementType().byteSize() + " bytes each, for pool '"
                + pool.name() + "', at most " + BodyLeases.maxBytes(pool) + " bytes)", pool, 0, null);
    }

    static PinnedBodyException notWhole(PinnedMemoryPool<?> pool, long bodyBytes) {
        ElementType<?> type = pool.elementType();
        return new PinnedBodyException(HttpStatus.BAD_REQUEST, "body of " + bodyBytes + " bytes is not a whole number of "
                + wireName(type) + " values (expected: a multiple of " + type.byteSize() + " bytes for pool '"
                + pool.name() + "')", pool, bodyBytes, null);
    }

    static PinnedBodyException shorter(PinnedMemoryPool<?> pool, long arrived, long declared) {
        return new PinnedBodyException(HttpStatus.BAD_REQUEST, "body ended after " + arrived + " of the " + declared
                + " bytes its Content-Length declared (pool '" + pool.name() + "')", pool, declared, null);
    }

    static PinnedBodyException longer(PinnedMemoryPool<?> pool, long declared) {
        return new PinnedBodyException(HttpStatus.BAD_REQUEST, "body has more than the " + declared
                + " bytes its Content-Length declared (pool '" + pool.name() + "')", pool, declared, null);
    }

    static PinnedBodyException unreadable(PinnedMemoryPool<?> pool, long arrived, long declared, Throwable cause) {
        return new PinnedBodyException(HttpStatus.BAD_REQUEST, "could not read the request body after " + arrived
                + (declared >= 0 ? " of " + declared : "") + " bytes (pool '" + pool.name() + "'): " + cause.getMessage(),
                pool, declared, cause);
    }

    static PinnedBodyException noMemory(PinnedMemoryPool<?> pool, long bodyBytes, PinnedMemoryException cause) {
        Duration maxWait = pool.maxWait();
        String why = cause instanceof MemoryBudgetExceededException budget
                ? "the pinned memory budget is spent" + (budget.waited().isZero() ? " and pool '" + pool.name()
                        + "' does not wait (max-wait 0)" : ", also after waiting " + budget.waited().toMillis()
                        + " ms (pool '" + pool.name() + "' max-wait " + maxWait.toMillis() + " ms)")
                : "the backend could not allocate pinned memory for pool '" + pool.name() + "'";
        return new PinnedBodyException(HttpStatus.SERVICE_UNAVAILABLE, why + ": no buffer for a body of "
                + (bodyBytes >= 0 ? bodyBytes + " bytes" : "unknown length") + " (" + cause.requestedBytes()
                + " bytes asked; " + cause.getMessage() + "); try again shortly", pool, bodyBytes, cause);
    }

    static PinnedBodyException closed(PinnedMemoryPool<?> pool, long bodyBytes, IllegalStateException cause) {
        return new PinnedBodyException(HttpStatus.SERVICE_UNAVAILABLE, "pool '" + pool.name()
                + "' is closed (the application is shutting down); try again shortly", pool, bodyBytes, cause);
    }

    /** {@return how the wire format calls an element: {@code float32}, {@code int64}, ...} */
    static String wireName(ElementType<?> type) {
        return switch (type.name()) {
            case "BYTE" -> "int8";
            case "SHORT" -> "int16";
            case "CHAR" -> "uint16";
            case "INT" -> "int32";
            case "LONG" -> "int64";
            case "FLOAT" -> "float32";
            case "DOUBLE" -> "float64";
            default -> type.configName();
        };
    }
}
