package dev.pinnedmemory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How long one kind of backend call took (allocating a buffer's memory, or giving it back): the
 * calls, their nanoseconds summed, and the longest. Touched only where the backend is called (a
 * rent that misses, a free), never by a rent served from an idle buffer. Thread-safe.
 */
final class BackendTimer {

    private final LongAdder count = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();
    private final AtomicLong maxNanos = new AtomicLong();

    void record(long nanos) {
        long n = Math.max(0, nanos);
        count.increment();
        totalNanos.add(n);
        maxNanos.accumulateAndGet(n, Math::max);
    }

    long count() {
        return count.sum();
    }

    long totalNanos() {
        return totalNanos.sum();
    }

    /** {@return the longest call since the pool started or its peaks were last reset} */
    long maxNanos() {
        return maxNanos.get();
    }

    void resetMax() {
        maxNanos.set(0);
    }
}
