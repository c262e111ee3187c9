package dev.pinnedmemory.arrow;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Arrow itself needs, checked in child JVMs: without {@code --add-opens} or without one of
 * Arrow's memory modules, {@link PinnedArrow#rootAllocator} fails at once with a message naming
 * both, never with a bare class-initialisation error at the first buffer.
 */
class ArrowPrerequisiteTests {

    private static final String ADD_OPENS = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    @Test
    void allocatorShouldWorkInAJvmThatHasWhatArrowNeeds() throws Exception {
        Result result = probe(classPath(), ADD_OPENS);
        assertThat(result.output()).startsWith("OK 42");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void rootAllocatorWithoutAddOpensShouldNameTheOption() throws Exception {
        Result result = probe(classPath());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).startsWith("FAILED java.lang.IllegalStateException: Arrow cannot make NIO views of "
                        + "its buffers, which its IPC readers and writers need: start the JVM with "
                        + "--add-opens=java.base/java.nio=ALL-UNNAMED. Arrow said: java.lang.UnsupportedOperationException");
    }

    @Test
    void rootAllocatorWithoutArrowsMemoryModuleShouldNameTheModules() throws Exception {
        List<String> withoutUnsafe = classPath().stream().filter(entry -> !entry.contains("arrow-memory-unsafe")).toList();
        assertThat(withoutUnsafe).hasSizeLessThan(classPath().size());
        Result result = probe(withoutUnsafe, ADD_OPENS);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("arrow-memory-unsafe or arrow-memory-netty on the class path")
                .contains("No DefaultAllocationManager found");
    }

    private record Result(int exitCode, String output) {
    }

    private static List<String> classPath() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.asList(path.split(File.pathSeparator));
    }

    private static Result probe(List<String> classPath, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        command.addAll(List.of(options));
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.add(ArrowProbe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("probe did not finish: " + output);
        }
        String last = output.lines().filter(line -> line.startsWith("OK") || line.startsWith("FAILED"))
                .collect(Collectors.joining("\n"));
        return new Result(process.exitValue(), last.isEmpty() ? output : last);
    }
}
