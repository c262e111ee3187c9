package dev.pinnedmemory;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * An allocation would take the pinned bytes held under a {@link MemoryBudget} over its limit
 * ({@code pinned-memory.max-total-size}). Carries the requested, used and limit bytes; after a
 * waiting rent, also how long it waited; and, when a pool asked, which pool and whether it was the
 * warm-up of its {@code initialSize} buffers ({@link #isWarmUp()}) or a rent or resize.
 */
public final class MemoryBudgetExceededException extends PinnedMemoryException {

    private static final long serialVersionUID = 1L;

    private final long usedBytes;
    private final long limitBytes;
    private final Duration waited;
    private final @Nullable String pool;
    private final boolean warmUp;

    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes) {
        this(requestedBytes, usedBytes, limitBytes, "", Duration.ZERO);
    }

    /** For a rent of pool {@code pool} that did not wait, or, with {@code warmUp}, for its initial buffers. */
    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, String pool, boolean warmUp) {
        this(requestedBytes, usedBytes, limitBytes, "", Duration.ZERO, warmUp
                ? "; pool '" + pool + "' could not warm up its initial buffers" : "", pool, warmUp);
    }

    /** For a reservation of memory no pool holds ({@link MemoryBudget#reserve(long, String)}), by {@code holder}. */
    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, String holder) {
        this(requestedBytes, usedBytes, limitBytes, "", Duration.ZERO, "; " + holder + " could not be counted within it",
                null, false);
    }

    /** For a resize: {@code reclaimable} idle bytes of the pool would have been given back first. */
    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, long reclaimableBytes,
                                  String pool) {
        this(requestedBytes, usedBytes, limitBytes, reclaimableBytes == 0 ? ""
                : " of which " + reclaimableBytes + " bytes idle in pool '" + pool + "' would be given back", Duration.ZERO,
                "", pool, false);
    }

    /** For a rent that waited {@code waited} for memory in pool {@code pool} and got none. */
    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, Duration waited, String pool) {
        this(requestedBytes, usedBytes, limitBytes, "", waited, "; pool '" + pool + "' waited " + waited.toMillis()
                + " ms for a buffer to be returned or memory freed", pool, false);
    }

    private MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, String detail,
                                          Duration waited) {
        this(requestedBytes, usedBytes, limitBytes, detail, waited, "", null, false);
    }

    private MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, String detail,
                                          Duration waited, String suffix, @Nullable String pool, boolean warmUp) {
        super("pinned memory budget exceeded: requested " + requestedBytes + " bytes, used " + usedBytes
                + " bytes" + detail + ", limit " + limitBytes + " bytes (pinned-memory.max-total-size)" + suffix,
                requestedBytes);
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
        this.waited = waited;
        this.pool = pool;
        this.warmUp = warmUp;
    }

    /** {@return bytes already held under the budget when the request was refused} */
    public long usedBytes() {
        return usedBytes;
    }

    /** {@return the budget's limit in bytes} */
    public long limitBytes() {
        return limitBytes;
    }

    /** {@return how long the rent waited before it was refused; zero for a rent that did not wait} */
    public Duration waited() {
        return waited;
    }

    /** {@return the name of the pool whose rent, resize or warm-up was refused; null when no pool asked} */
    public @Nullable String pool() {
        return pool;
    }

    /**
     * {@return whether it was a pool's warm-up that was refused: its {@code initialSize} buffers, made
     * when it is built} False for a rent or a resize.
     */
    public boolean isWarmUp() {
        return warmUp;
    }
}
