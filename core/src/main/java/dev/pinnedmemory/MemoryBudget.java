package dev.pinnedmemory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A limit on the pinned bytes held by the pools that share it ({@code pinned-memory.max-total-size}).
 * Pools reserve bytes when they allocate a buffer and release them when they free it; a
 * reservation over the limit fails with {@link MemoryBudgetExceededException}. A limit of 0
 * means unlimited (bytes are still counted).
 *
 * <p>Owns no memory, only counts it. Thread-safe (lock-free).
 */
public final class MemoryBudget {

    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();

    /**
     * @param limitBytes the most bytes the pools may hold together; 0 for unlimited
     * @throws IllegalArgumentException if negative
     */
    public MemoryBudget(long limitBytes) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 0, 0 for unlimited)");
        }
        this.limitBytes = limitBytes;
    }

    /** {@return a new unlimited budget} */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(0);
    }

    /** {@return the limit in bytes, 0 for unlimited} */
    public long limitBytes() {
        return limitBytes;
    }

    /** {@return the bytes reserved now} */
    public long usedBytes() {
        return usedBytes.get();
    }

    /** {@return whether {@code bytes} more would fit now, counting {@code reclaimableBytes} as already given back} */
    public boolean wouldFit(long bytes, long reclaimableBytes) {
        return limitBytes == 0 || usedBytes.get() - reclaimableBytes + bytes <= limitBytes;
    }

    /**
     * Reserves {@code bytes}.
     *
     * @throws MemoryBudgetExceededException with the requested, used and limit bytes when it would not fit
     */
    public void reserve(long bytes) {
        if (limitBytes == 0) {
            usedBytes.addAndGet(bytes);
            return;
        }
        long used;
        do {
            used = usedBytes.get();
            if (used + bytes > limitBytes) {
                throw new MemoryBudgetExceededException(bytes, used, limitBytes);
            }
        } while (!usedBytes.compareAndSet(used, used + bytes));
    }

    /** Reserves {@code bytes} even over the limit: for a resize that already checked it will give back enough. */
    void forceReserve(long bytes) {
        usedBytes.addAndGet(bytes);
    }

    /** Gives back {@code bytes} reserved earlier. */
    public void release(long bytes) {
        usedBytes.addAndGet(-bytes);
    }
}
