package dev.pinnedmemory.test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/**
 * Runs fixture test classes (classes annotated {@link Fixture}) through the JUnit Platform
 * launcher, so a test can assert on how another test fared, and holds what fixtures share.
 */
final class Fixtures {

    /** The configuration parameter that enables {@link Fixture} classes: set only by {@link #run}. */
    static final String ENABLED = "dev.pinnedmemory.test.fixtures";

    /** Buffers fixtures keep rented on purpose, so the garbage collector cannot turn them into leaks. */
    static final List<PinnedBuffer<?>> kept = new ArrayList<>();

    private Fixtures() {
    }

    /** {@return how test {@code method} of {@code fixture} ended} */
    static TestExecutionResult run(Class<?> fixture, String method) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(fixture, method))
                .configurationParameter(ENABLED, "true")
                .build();
        List<TestExecutionResult> results = new ArrayList<>();
        LauncherFactory.create().execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    results.add(result);
                }
            }

            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                results.add(TestExecutionResult.aborted(new IllegalStateException(test.getDisplayName() + " skipped: " + reason)));
            }
        });
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result of " + fixture.getSimpleName() + "." + method
                    + ", got " + results);
        }
        return results.getFirst();
    }

    /** Returns every buffer a fixture kept. */
    static void returnKept() {
        kept.forEach(PinnedBuffer::close);
        kept.clear();
    }

    /** {@return a small pool of byte buffers on the unlocked backend, which works on every machine} */
    static PinnedMemoryPool<byte[]> pool(String name, LeakDetectionLevel leakDetection) {
        return PinnedMemoryPool.builder(dev.pinnedmemory.ElementType.BYTE).bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).leakDetection(leakDetection).name(name).build();
    }

    /** {@return the source line of the statement that calls it} */
    static int line() {
        return StackWalker.getInstance().walk(frames -> frames.skip(1).findFirst().orElseThrow()).getLineNumber();
    }

    /** {@return the frame line printed for a call on {@code line} of {@code method} of {@code type}, a class in this package} */
    static String frame(Class<?> type, String method, int line) {
        Class<?> topLevel = type;
        while (topLevel.getEnclosingClass() != null) {
            topLevel = topLevel.getEnclosingClass();
        }
        return "at " + type.getName() + "." + method + "(" + topLevel.getSimpleName() + ".java:" + line + ")";
    }

    /** Marks a test class that only runs through {@link Fixtures#run}, never on its own. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(OnlyThroughRun.class)
    @interface Fixture {
    }

    /** Disables {@link Fixture} classes unless {@link Fixtures#run} runs them. */
    static final class OnlyThroughRun implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(ENABLED).filter(Boolean::parseBoolean).isPresent()
                    ? ConditionEvaluationResult.enabled("run by Fixtures.run")
                    : ConditionEvaluationResult.disabled("a fixture: runs only through Fixtures.run");
        }
    }
}
