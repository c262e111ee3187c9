package dev.pinnedmemory;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * The process-wide side of leak detection: the {@link Cleaner} that frees unreachable pinned
 * memory, the global counts, and the default level (system property
 * {@code dev.pinnedmemory.leakDetection}: {@code disabled}, {@code simple} (default) or
 * {@code paranoid}).
 *
 * <p>A leak is a rented buffer or a standalone buffer or pinned array that became unreachable
 * without being closed; its memory is freed and it is counted here and by its pool. A pool that
 * became unreachable without {@code close()} is reported the same way (its idle memory is freed).
 * The log line says what leaked and, at {@code paranoid}, where it was rented, allocated or
 * created. Owns no memory. Thread-safe.
 */
public final class LeakDetector {

    /** System property that sets the default level for memory not created through Spring or a builder. */
    public static final String LEVEL_PROPERTY = "dev.pinnedmemory.leakDetection";

    static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread thread = new Thread(runnable, "pinned-memory-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private static final System.Logger LOG = System.getLogger(LeakDetector.class.getName());
    private static final LongAdder LEAKS = new LongAdder();
    private static final LongAdder ABANDONED_POOLS = new LongAdder();
    private static final LeakDetectionLevel DEFAULT_LEVEL = LeakDetectionLevel.parse(
            System.getProperty(LEVEL_PROPERTY, "simple"));

    private LeakDetector() {
    }

    /** {@return leaks detected in this process so far: buffers and pinned arrays, and pools never closed} */
    public static long totalLeaks() {
        return LEAKS.sum();
    }

    /** {@return pools that became unreachable without being closed, in this process so far} */
    public static long abandonedPools() {
        return ABANDONED_POOLS.sum();
    }

    /** {@return the level used where none is configured} */
    public static LeakDetectionLevel defaultLevel() {
        return DEFAULT_LEVEL;
    }

    static void reportLeak(LeakDetectionLevel level, String what, @Nullable Throwable site) {
        LEAKS.increment();
        log(level, "LEAK: " + what + " became unreachable without being closed or returned; "
                + "its pinned memory was freed and the leak counted.", "allocated or rented", site);
    }

    static void reportAbandoned(LeakDetectionLevel level, String what, @Nullable Throwable site) {
        LEAKS.increment();
        ABANDONED_POOLS.increment();
        log(level, "LEAK: " + what + " became unreachable without close(); its idle pinned memory was freed "
                + "and the leak counted. Close pools you create (try-with-resources) or let Spring own them.",
                "created", site);
    }

    private static void log(LeakDetectionLevel level, String message, String where, @Nullable Throwable site) {
        if (level == LeakDetectionLevel.DISABLED) {
            return;
        }
        if (site != null) {
            LOG.log(System.Logger.Level.WARNING, message + " It was " + where + " at:", site);
        } else {
            LOG.log(System.Logger.Level.WARNING, message + " Set pinned-memory.leak-detection=paranoid (or -D"
                    + LEVEL_PROPERTY + "=paranoid) to record where it was " + where + ".");
        }
    }
}
