package dev.pinnedmemory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * How a pool's waiting rents ({@link PinnedMemoryPool#rent(java.time.Duration)}) fared: renters
 * waiting now, rents that had to wait, how long they waited in all, and how many gave up. Only
 * rents that wait touch these. Thread-safe.
 */
final class WaitCounters {

    final AtomicInteger waiting = new AtomicInteger();
    final LongAdder waits = new LongAdder();
    final LongAdder waitedNanos = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    /** {@link System#currentTimeMillis()} of the latest timeout; 0 before the first. */
    volatile long lastTimeoutMillis;

    void waited(long nanos, boolean timedOut) {
        waits.increment();
        waitedNanos.add(nanos);
        if (timedOut) {
            timeouts.increment();
            lastTimeoutMillis = System.currentTimeMillis();
        }
    }
}
