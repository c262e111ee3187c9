package dev.pinnedmemory;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.LongAdder;

/**
 * The process-wide side of leak detection: the {@link Cleaner} that frees unreachable pinned
 * memory, the global leak count, and the default level (system property
 * {@code dev.pinnedmemory.leakDetection}: {@code disabled}, {@code simple} (default) or
 * {@code paranoid}). Owns no memory. Thread-safe.
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
    private static final LeakDetectionLevel DEFAULT_LEVEL = LeakDetectionLevel.parse(
            System.getProperty(LEVEL_PROPERTY, "simple"));

    /** Told of every leak after it is counted; tests use it to wait for the Cleaner without sleeping. */
    static volatile Runnable listener;

    private LeakDetector() {
    }

    /** {@return leaks detected in this process so far, over all pools, buffers and pinned arrays} */
    public static long totalLeaks() {
        return LEAKS.sum();
    }

    /** {@return the level used where none is configured} */
    public static LeakDetectionLevel defaultLevel() {
        return DEFAULT_LEVEL;
    }

    static void report(LeakDetectionLevel level, String what, Throwable allocationSite) {
        LEAKS.increment();
        try {
            log(level, what, allocationSite);
        } finally {
            Runnable hook = listener;
            if (hook != null) {
                hook.run();
            }
        }
    }

    private static void log(LeakDetectionLevel level, String what, Throwable allocationSite) {
        if (level == LeakDetectionLevel.DISABLED) {
            return;
        }
        String message = "LEAK: " + what + " became unreachable without being closed or returned; "
                + "its pinned memory was freed and the leak counted.";
        if (allocationSite != null) {
            LOG.log(System.Logger.Level.WARNING, message + " It was allocated or rented at:", allocationSite);
        } else {
            LOG.log(System.Logger.Level.WARNING, message + " Set pinned-memory.leak-detection=paranoid (or -D"
                    + LEVEL_PROPERTY + "=paranoid) to record where it was allocated.");
        }
    }
}
