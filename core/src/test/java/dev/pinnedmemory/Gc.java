package dev.pinnedmemory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Drives the GC until the Cleaner has reported the expected leaks: waits on the event, never sleeps blindly. */
final class Gc {

    private Gc() {
    }

    static void untilLeaksReported(int leaks, BooleanSupplier done) throws InterruptedException {
        CountDownLatch reported = new CountDownLatch(leaks);
        LeakDetector.listener = reported::countDown;
        try {
            for (int attempt = 0; attempt < 200 && !(reported.getCount() == 0 && done.getAsBoolean()); attempt++) {
                System.gc();
                reported.await(50, TimeUnit.MILLISECONDS);
            }
        } finally {
            LeakDetector.listener = null;
        }
        if (reported.getCount() != 0 || !done.getAsBoolean()) {
            throw new AssertionError("the Cleaner did not report " + leaks + " leak(s); " + reported.getCount() + " missing");
        }
    }
}
