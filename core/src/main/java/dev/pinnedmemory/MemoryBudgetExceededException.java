package dev.pinnedmemory;

/**
 * An allocation would take the pinned bytes held under a {@link MemoryBudget} over its limit
 * ({@code pinned-memory.max-total-size}). Carries the requested, used and limit bytes.
 */
public final class MemoryBudgetExceededException extends PinnedMemoryException {

    private static final long serialVersionUID = 1L;

    private final long usedBytes;
    private final long limitBytes;

    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes) {
        this(requestedBytes, usedBytes, limitBytes, "");
    }

    /** For a resize: {@code reclaimable} idle bytes of the pool would have been given back first. */
    MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, long reclaimableBytes,
                                  String pool) {
        this(requestedBytes, usedBytes, limitBytes, reclaimableBytes == 0 ? ""
                : " of which " + reclaimableBytes + " bytes idle in pool '" + pool + "' would be given back");
    }

    private MemoryBudgetExceededException(long requestedBytes, long usedBytes, long limitBytes, String detail) {
        super("pinned memory budget exceeded: requested " + requestedBytes + " bytes, used " + usedBytes
                + " bytes" + detail + ", limit " + limitBytes + " bytes (pinned-memory.max-total-size)", requestedBytes);
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
    }

    /** {@return bytes already held under the budget when the request was refused} */
    public long usedBytes() {
        return usedBytes;
    }

    /** {@return the budget's limit in bytes} */
    public long limitBytes() {
        return limitBytes;
    }
}
