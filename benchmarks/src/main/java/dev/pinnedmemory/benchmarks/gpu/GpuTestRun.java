package dev.pinnedmemory.benchmarks.gpu;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

/**
 * Runs the {@code gpu}-tagged tests found in a directory of test classes through the JUnit Platform
 * launcher and records each one as it finishes: passed, failed (with the failure), skipped (with
 * the reason: an assumption such as "no CUDA device", or a disabled condition), or hung.
 *
 * <p>A CUDA call that never returns must not cost the report: each test (and each lifecycle method)
 * runs on a thread of its own with a timeout ({@code SEPARATE_THREAD}: JUnit's timeout cannot
 * interrupt native code on the test's own thread, but it can stop waiting for another one), so a
 * hung test fails and the next one runs; and the whole run has a limit, after which the tests still
 * running are recorded as {@code hung} and the caller goes on without them. Each outcome is handed
 * to a listener the moment it is known (the check prints it and rewrites its JSON). Thread-safe
 * for reading while the run goes on; one run per instance.
 */
final class GpuTestRun {

    /** One test's outcome; {@code seconds} is how long it ran (NaN where it did not). */
    record Outcome(String name, String status, @Nullable String reason, double seconds) {
        Outcome(String name, String status, @Nullable String reason) {
            this(name, status, reason, Double.NaN);
        }
    }

    private final List<Outcome> outcomes = new ArrayList<>();
    private final Map<String, Long> running = new LinkedHashMap<>();
    private final Consumer<Outcome> listener;
    private boolean finished;

    private final Path classes;
    private final Duration testTimeout;
    private final Duration limit;

    /**
     * @param classes the tests: a class path root, which must also be on the class path
     * @param testTimeout the longest any one test or lifecycle method may run
     * @param limit how long to wait for the whole run; tests still running then are recorded as hung
     * @param listener told of each outcome as it is recorded, on the thread that records it
     */
    GpuTestRun(Path classes, Duration testTimeout, Duration limit, Consumer<Outcome> listener) {
        this.classes = classes;
        this.testTimeout = testTimeout;
        this.limit = limit;
        this.listener = listener;
    }

    /** Runs the tests; returns when they are done or the limit is up. */
    void run() {
        if (!Files.isDirectory(classes)) {
            add(new Outcome("(discovery)", "failed", "no test classes at " + classes));
            return;
        }
        Path root;
        try {
            root = classes.toRealPath();   // the class path scan does not follow a linked root
        } catch (java.io.IOException e) {
            root = classes;
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClasspathRoots(Set.of(root)))
                .filters(TagFilter.includeTags("gpu"))
                .configurationParameter("junit.jupiter.execution.timeout.default", testTimeout.toMillis() + " ms")
                .configurationParameter("junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD")
                .build();
        Thread launcher = Thread.ofPlatform().name("gpu-tests").daemon().start(() -> launch(request));
        boolean done;
        try {
            done = launcher.join(limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        List<Outcome> hung = new ArrayList<>();   // and what else is only known now
        synchronized (this) {
            finished = true;
            if (!done) {
                long now = System.nanoTime();
                for (Map.Entry<String, Long> test : running.entrySet()) {
                    hung.add(new Outcome(test.getKey(), "hung", "still running when the tests' " + limit.toSeconds()
                            + " s were up; the check went on without it", (now - test.getValue()) / 1e9));
                }
                if (running.isEmpty()) {
                    hung.add(new Outcome("(run)", "hung", "the test run did not end within " + limit.toSeconds() + " s"));
                }
                outcomes.addAll(hung);
            }
            if (outcomes.isEmpty()) {
                hung.add(new Outcome("(discovery)", "failed", "no gpu-tagged tests found under " + classes));
                outcomes.addAll(hung);
            }
        }
        hung.forEach(listener);
    }

    private void launch(LauncherDiscoveryRequest request) {
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier test) {
                if (test.isTest()) {
                    synchronized (GpuTestRun.this) {
                        running.put(name(test), System.nanoTime());
                    }
                }
            }

            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    add(new Outcome(name(test), "skipped", reason));
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                String reason = result.getThrowable().map(GpuTestRun::describe).orElse(null);
                String name = name(test);
                Long started;
                synchronized (GpuTestRun.this) {
                    started = running.remove(name);
                }
                double seconds = started == null ? Double.NaN : (System.nanoTime() - started) / 1e9;
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (test.isTest()) {
                            add(new Outcome(name, "passed", null, seconds));
                        }
                    }
                    case ABORTED -> {
                        if (test.isTest()) {
                            add(new Outcome(name, "skipped", reason, seconds));
                        }
                    }
                    case FAILED -> add(new Outcome(name, "failed", reason, seconds));
                }
            }
        });
    }

    /** Records an outcome unless the run was already given up on (a test finishing after its limit counts as hung). */
    private void add(Outcome outcome) {
        synchronized (this) {
            if (finished) {
                return;
            }
            outcomes.add(outcome);
        }
        listener.accept(outcome);
    }

    synchronized List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    synchronized long count(String status) {
        return outcomes.stream().filter(o -> o.status().equals(status)).count();
    }

    /** {@return the tests that failed or hung: what makes the check fail} */
    synchronized long failures() {
        return count("failed") + count("hung");
    }

    /** {@return whether a test hung: a CUDA call may still be running, so the device is not to be trusted} */
    synchronized boolean hung() {
        return count("hung") > 0;
    }

    /** {@return the section of the JSON report} */
    synchronized Map<String, Object> json() {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("passed", count("passed"));
        section.put("failed", count("failed"));
        section.put("hung", count("hung"));
        section.put("skipped", count("skipped"));
        section.put("results", outcomes.stream().map(o -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", o.name());
            row.put("status", o.status());
            row.put("reason", o.reason());
            row.put("seconds", o.seconds());
            return row;
        }).toList());
        return section;
    }

    /** {@return one line for an outcome, as printed while the tests run and in the text report} */
    static String line(Outcome outcome) {
        return String.format(Locale.ROOT, "  %-7s %s%s%s", outcome.status(), outcome.name(),
                Double.isNaN(outcome.seconds()) ? "" : String.format(Locale.ROOT, " (%.1f s)", outcome.seconds()),
                outcome.reason() == null ? "" : ": " + outcome.reason());
    }

    private static String name(TestIdentifier test) {
        String id = test.getUniqueId();
        // [engine:junit-jupiter]/[class:dev.x.FooTests]/[method:bar()] -> FooTests.bar
        String className = between(id, "[class:", "]");
        String method = between(id, "[method:", "(");
        String simple = className == null ? test.getDisplayName() : className.substring(className.lastIndexOf('.') + 1);
        return method == null ? simple : simple + "." + method;
    }

    private static @Nullable String between(String text, String open, String close) {
        int start = text.indexOf(open);
        if (start < 0) {
            return null;
        }
        int end = text.indexOf(close, start + open.length());
        return end < 0 ? null : text.substring(start + open.length(), end);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getName()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        message = message.strip().replaceAll("\\s+", " ");
        return message.length() > 600 ? message.substring(0, 600) + "..." : message;
    }
}
