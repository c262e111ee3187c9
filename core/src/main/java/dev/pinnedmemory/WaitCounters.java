package dev.pinnedmemory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * How a pool's waiting rents ({@link PinnedMemoryPool#rent(java.time.Duration)}) fared: renters
 * waiting now, rents that had to wait, how long they waited in all, and how many gave up. Only
 * rents that wait touch these. Thread-safe.
 */
final class WaitCounters {

    private final AtomicInteger waiting = new AtomicInteger();
    private final LongAdder waits = new LongAdder();
    private final LongAdder waitedNanos = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    /** {@link System#currentTimeMillis()} of the latest timeout; 0 before the first. */
    private volatile long lastTimeoutMillis;

    /** A renter starts waiting. */
    void enter() {
        waiting.incrementAndGet();
    }

    /** A renter stops waiting, served or not. */
    void exit() {
        waiting.decrementAndGet();
    }

    /** {@return renters waiting now} */
    int waiting() {
        return waiting.get();
    }

    /** {@return rents that had to wait} */
    long waits() {
        return waits.sum();
    }

    /** {@return nanoseconds those rents waited, summed} */
    long waitedNanos() {
        return waitedNanos.sum();
    }

    /** {@return rents that waited their whole time and were refused} */
    long timeouts() {
        return timeouts.sum();
    }

    /** {@return when the latest wait timed out, or 0} */
    long lastTimeoutMillis() {
        return lastTimeoutMillis;
    }

    void waited(long nanos, boolean timedOut) {
        waits.increment();
        waitedNanos.add(nanos);
        if (timedOut) {
            timeouts.increment();
            lastTimeoutMillis = System.currentTimeMillis();
        }
    }
}
