package dev.pinnedmemory;

import java.time.Duration;

/**
 * One rent that waits for memory ({@link PinnedMemoryPool#rent(Duration)}): it registers with the
 * budget, then tries to rent, then waits for the budget to signal a change, until it gets a buffer
 * or its time is up. Registering before trying, and returners publishing a buffer before they look
 * for waiters, means no wake-up is lost; the budget's fair lock wakes waiters in the order they
 * came. Used once, by the renting thread; not thread-safe.
 */
final class WaitingRent<A> {

    private final PoolEngine<A> pool;
    private final int length;
    private final long maxWaitNanos;

    /**
     * {@return {@code maxWait} in nanoseconds, saturated at {@link Long#MAX_VALUE}}
     *
     * @throws IllegalArgumentException if it is negative
     */
    static long nanos(Duration maxWait) {
        java.util.Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: >= 0)");
        }
        try {
            return maxWait.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    WaitingRent(PoolEngine<A> pool, int length, long maxWaitNanos) {
        this.pool = pool;
        this.length = length;
        this.maxWaitNanos = maxWaitNanos;
    }

    /**
     * {@return a lease, once memory is there}
     *
     * @throws MemoryBudgetExceededException after {@code maxWaitNanos}, saying how long it waited
     * @throws PinnedMemoryException if interrupted (the interrupt flag is set again)
     * @throws IllegalStateException if the pool is or gets closed
     */
    PinnedBuffer<A> await() {
        MemoryBudget budget = pool.budget;
        WaitCounters waits = pool.books.waits;
        long start = System.nanoTime();
        long deadline = start + maxWaitNanos;
        waits.waiting.incrementAndGet();
        budget.enterWait();
        try {
            while (true) {
                long seen = budget.changes();
                PinnedBuffer<A> lease = pool.tryRent(length);
                if (lease != null) {
                    waits.waited(System.nanoTime() - start, false);
                    return lease;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    long waited = System.nanoTime() - start;
                    waits.waited(waited, true);
                    throw pool.refused(length, Duration.ofNanos(waited));
                }
                try {
                    budget.awaitChange(seen, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    waits.waited(System.nanoTime() - start, false);
                    int asked = length == PoolEngine.FULL ? pool.shape().maxLength() : length;
                    throw new PinnedMemoryException(pool.describe() + ": interrupted while waiting for memory for a "
                            + "buffer of " + asked + " " + pool.settings.type() + " elements", pool.bytesFor(asked), e);
                }
            }
        } finally {
            budget.exitWait();
            waits.waiting.decrementAndGet();
        }
    }
}
