package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

/**
 * A {@link LeakReporter} for tests: records every report (and passes it on to the standard one, so
 * the global counts move too), and drives the GC until the Cleaner has reported what a test expects,
 * waiting on the reports themselves, never sleeping blindly. Each test makes its own: no global state.
 */
final class LeakRecorder implements LeakReporter {

    record Report(String what, @Nullable Throwable site, boolean abandoned) {
    }

    final List<Report> reports = new CopyOnWriteArrayList<>();
    private final Semaphore reported = new Semaphore(0);

    @Override
    public void leaked(LeakDetectionLevel level, String what, @Nullable Throwable site) {
        LeakReporter.STANDARD.leaked(level, what, site);
        reports.add(new Report(what, site, false));
        reported.release();
    }

    @Override
    public void abandoned(LeakDetectionLevel level, String what, @Nullable Throwable site) {
        LeakReporter.STANDARD.abandoned(level, what, site);
        reports.add(new Report(what, site, true));
        reported.release();
    }

    /** {@return an allocator on {@code backend} that reports here, with a reclaimer of its own} */
    Allocator allocator(PageLockingBackend backend, Reclaimer reclaimer) {
        return new Allocator(backend, reclaimer, this);
    }

    /** Runs the GC until {@code reports} reports arrived and {@code done} holds; fails after about 10 s. */
    void awaitReports(int count, BooleanSupplier done) throws InterruptedException {
        int seen = 0;
        for (int attempt = 0; attempt < 200 && !(seen >= count && done.getAsBoolean()); attempt++) {
            System.gc();
            if (reported.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                seen++;
            }
        }
        if (seen < count || !done.getAsBoolean()) {
            throw new AssertionError("the Cleaner reported " + seen + " of " + count + " expected leak(s): " + reports);
        }
    }
}
