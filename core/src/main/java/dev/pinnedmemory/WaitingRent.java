package dev.pinnedmemory;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * One rent that waits for memory ({@link PinnedMemoryPool#rent(Duration)}): it registers with the
 * budget, then tries to rent, then waits for the budget to signal a change, until it gets a buffer
 * or its time is up. Registering before trying, and returners publishing a buffer before they look
 * for waiters, means no wake-up is lost; the budget's fair lock wakes waiters in the order they
 * came. Knows only the budget, the pool's wait counters, a rent that does not wait and the refusals. Holds no state of
 * its own between rents; thread-safe (each waiting thread runs {@link #await} on its own).
 */
final class WaitingRent<A> {

    /** A rent that does not wait: a lease of {@code length} elements, or null when the budget refused. */
    interface Attempt<A> {
        @Nullable PinnedBuffer<A> tryRent(int length);
    }

    /** The exception a waiting rent of {@code length} elements ends with. */
    interface Refusal<C, E extends RuntimeException> {
        E of(int length, C cause);
    }

    private final MemoryBudget budget;
    private final WaitCounters waits;
    private final Attempt<A> attempt;
    private final Refusal<Duration, MemoryBudgetExceededException> timedOut;
    private final Refusal<InterruptedException, PinnedMemoryException> interrupted;

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

    WaitingRent(MemoryBudget budget, WaitCounters waits, Attempt<A> attempt,
                Refusal<Duration, MemoryBudgetExceededException> timedOut,
                Refusal<InterruptedException, PinnedMemoryException> interrupted) {
        this.budget = budget;
        this.waits = waits;
        this.attempt = attempt;
        this.timedOut = timedOut;
        this.interrupted = interrupted;
    }

    /**
     * {@return a lease of {@code length} elements, once memory is there within {@code maxWaitNanos}}
     *
     * @throws MemoryBudgetExceededException after {@code maxWaitNanos}, saying how long it waited
     * @throws PinnedMemoryException if interrupted (the interrupt flag is set again)
     * @throws IllegalStateException if the pool is or gets closed
     */
    PinnedBuffer<A> await(int length, long maxWaitNanos) {
        long start = System.nanoTime();
        long deadline = start + maxWaitNanos;
        waits.enter();
        budget.enterWait();
        try {
            while (true) {
                long seen = budget.changes();
                PinnedBuffer<A> lease = attempt.tryRent(length);
                if (lease != null) {
                    waits.waited(System.nanoTime() - start, false);
                    return lease;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    long waited = System.nanoTime() - start;
                    waits.waited(waited, true);
                    throw timedOut.of(length, Duration.ofNanos(waited));
                }
                try {
                    budget.awaitChange(seen, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    waits.waited(System.nanoTime() - start, false);
                    throw interrupted.of(length, e);
                }
            }
        } finally {
            budget.exitWait();
            waits.exit();
        }
    }
}
