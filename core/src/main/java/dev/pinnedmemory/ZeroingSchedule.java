package dev.pinnedmemory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * When the {@link Reclaimer}'s thread zeroes idle buffers ({@link IdleZeroing}): the open
 * {@code clearOnReturn} pools, each with a flag its returners raise, and how the thread waits so
 * that a raised flag costs a returner no system call in a busy period and is never left waiting
 * for a long sleep. After it zeroed something, the thread polls the flags every 100 us for 10 ms;
 * past that it sleeps until its next fence poll or trim, and the first request wakes it.
 *
 * <p>The wake-up is a Dekker pair: a returner writes its pool's flag, then reads {@link #sleeping};
 * the thread writes {@code sleeping}, then reads the flags (all volatile), so one of them sees the
 * other. Thread-safe; {@link #waitNanos}, {@link #awake} and {@link #run} are for the reclaimer's
 * thread only.
 */
final class ZeroingSchedule {

    /** Longest stretch of zeroing before the thread looks at its queue and fences again. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Set<IdleZeroing> pools = ConcurrentHashMap.newKeySet();
    private final Runnable wake;
    private volatile boolean sleeping;
    /** Until when ({@link System#nanoTime()}) the thread polls the flags; its thread only. */
    private long lingerUntil = System.nanoTime();

    /** @param wake cuts the thread's wait short */
    ZeroingSchedule(Runnable wake) {
        this.wake = wake;
    }

    /** Registers a pool until {@link #stop}; its flagged idle blocks are zeroed from then on. */
    void start(IdleZeroing pool) {
        pools.add(pool);
    }

    void stop(IdleZeroing pool) {
        pools.remove(pool);
    }

    /** Called by a returner after it raised its pool's flag: wakes the thread only if it sleeps. */
    void requested() {
        if (sleeping) {
            sleeping = false;
            wake.run();
        }
    }

    /** {@return how long the thread may wait, given {@code wait} for its other work} */
    long waitNanos(long wait) {
        if (wait <= 1 || anyRequested()) {
            return 1;
        }
        if (System.nanoTime() - lingerUntil < 0) {
            return Math.min(wait, POLL_NANOS);
        }
        sleeping = true;
        if (anyRequested()) {
            sleeping = false;
            return 1;
        }
        return wait;
    }

    /** The wait ended. */
    void awake() {
        sleeping = false;
    }

    private boolean anyRequested() {
        for (IdleZeroing pool : pools) {
            if (pool.requested()) {
                return true;
            }
        }
        return false;
    }

    /** Zeroes what the flagged pools ask for, for at most one slice. */
    void run(Reclaimer reclaimer) {
        long deadline = System.nanoTime() + SLICE_NANOS;
        for (IdleZeroing pool : pools) {
            if (!pool.requested()) {
                continue;
            }
            try {
                if (pool.run(deadline) > 0) {
                    // Busy: poll for the next requests rather than have returners wake the thread. A scan
                    // that found nothing to zero (the blocks rented again at once) does not keep it polling.
                    lingerUntil = System.nanoTime() + LINGER_NANOS;
                }
            } catch (Throwable t) {
                reclaimer.failed("zeroing idle buffers", t);
            }
            if (System.nanoTime() - deadline > 0) {
                return;
            }
        }
    }
}
