package dev.pinnedmemory.actuate;

import java.io.Serial;

import org.jspecify.annotations.Nullable;

/**
 * A resize request through the {@code pinnedmemory} endpoint was refused and the pool left as it
 * was: unknown pool ({@link #status()} 404) or an invalid size or one over the budget (400).
 * Immutable.
 */
public final class PoolResizeException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;

    private final int status;
    private final String pool;
    private final @Nullable String value;

    PoolResizeException(int status, String pool, @Nullable String value, String reason) {
        super(reason);
        this.status = status;
        this.pool = pool;
        this.value = value;
    }

    /** {@return the HTTP status that fits: 404 for an unknown pool, else 400} */
    public int status() {
        return this.status;
    }

    /** {@return the response body describing the refusal} */
    public PinnedMemoryError toError() {
        return new PinnedMemoryError(getMessage(), this.pool, this.value);
    }
}
