package dev.pinnedmemory;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps one test's interrupt from failing the next: the test thread is shared, and a test whose
 * helper threads interrupt threads they do not own (as the reclaimer tests do on purpose) may leave
 * the flag set on it. Before and after each test the flag is cleared, with a warning naming the
 * test, so the report says where it came from. Registered for every test of this module through
 * {@code junit-platform.properties} (extension auto-detection).
 */
public final class InterruptIsolation implements BeforeEachCallback, AfterEachCallback {

    private static final System.Logger LOG = System.getLogger(InterruptIsolation.class.getName());

    @Override
    public void beforeEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            LOG.log(System.Logger.Level.WARNING, "test thread was interrupted before " + context.getDisplayName()
                    + " in " + context.getRequiredTestClass().getSimpleName() + " began: flag cleared");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (Thread.interrupted()) {
            LOG.log(System.Logger.Level.WARNING, context.getRequiredTestClass().getSimpleName() + "."
                    + context.getDisplayName() + " left its thread interrupted: flag cleared");
        }
    }
}
