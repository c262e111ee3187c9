package dev.pinnedmemory;

import org.jspecify.annotations.Nullable;

/**
 * Where leaks are reported: a lease dropped without being closed, or a pool dropped without
 * {@code close()}. Production uses {@link #STANDARD} (counts them process-wide and logs them as
 * {@link LeakDetector} describes); tests hand pools and helpers a reporter of their own to wait for
 * the Cleaner without global state. Implementations are thread-safe: the Cleaner's thread calls them.
 */
interface LeakReporter {

    /** Counts and logs through {@link LeakDetector}. */
    LeakReporter STANDARD = new LeakReporter() {
        @Override
        public void leaked(LeakDetectionLevel level, String what, @Nullable Throwable site) {
            LeakDetector.reportLeak(level, what, site);
        }

        @Override
        public void abandoned(LeakDetectionLevel level, String what, @Nullable Throwable site) {
            LeakDetector.reportAbandoned(level, what, site);
        }
    };

    /** {@code what}, rented or allocated at {@code site} (PARANOID only), became unreachable while held; it was freed. */
    void leaked(LeakDetectionLevel level, String what, @Nullable Throwable site);

    /** A pool ({@code what}), created at {@code site} (PARANOID only), became unreachable without being closed; its idle memory was freed. */
    void abandoned(LeakDetectionLevel level, String what, @Nullable Throwable site);
}
