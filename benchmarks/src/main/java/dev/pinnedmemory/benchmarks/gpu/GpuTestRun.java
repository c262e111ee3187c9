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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

/**
 * Runs the {@code gpu}-tagged tests found in a directory of test classes through the JUnit Platform
 * launcher and records each one: passed, failed (with the failure) or skipped (with the reason: an
 * assumption such as "no CUDA device", or a disabled condition). Not thread-safe; one run per instance.
 */
final class GpuTestRun {

    /** One test's outcome. */
    record Outcome(String name, String status, @Nullable String reason) {
    }

    private final List<Outcome> outcomes = new ArrayList<>();

    /** Runs the tests under {@code classes} (a class path root; it must also be on the class path). */
    GpuTestRun(Path classes) {
        if (!Files.isDirectory(classes)) {
            outcomes.add(new Outcome("(discovery)", "failed", "no test classes at " + classes));
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
                // A test that hangs on a device must not hold the whole check past its four minutes.
                .configurationParameter("junit.jupiter.execution.timeout.default", "60 s")
                .build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    outcomes.add(new Outcome(name(test), "skipped", reason));
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                String reason = result.getThrowable().map(GpuTestRun::describe).orElse(null);
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (test.isTest()) {
                            outcomes.add(new Outcome(name(test), "passed", null));
                        }
                    }
                    case ABORTED -> {
                        if (test.isTest()) {
                            outcomes.add(new Outcome(name(test), "skipped", reason));
                        }
                    }
                    case FAILED -> outcomes.add(new Outcome(name(test), "failed", reason));
                }
            }
        });
        if (outcomes.isEmpty()) {
            outcomes.add(new Outcome("(discovery)", "failed", "no gpu-tagged tests found under " + classes));
        }
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    long count(String status) {
        return outcomes.stream().filter(o -> o.status().equals(status)).count();
    }

    /** {@return the section of the JSON report} */
    Map<String, Object> json() {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("passed", count("passed"));
        section.put("failed", count("failed"));
        section.put("skipped", count("skipped"));
        section.put("results", outcomes.stream().map(o -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", o.name());
            row.put("status", o.status());
            row.put("reason", o.reason());
            return row;
        }).toList());
        return section;
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
