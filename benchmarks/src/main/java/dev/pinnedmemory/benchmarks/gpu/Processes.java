package dev.pinnedmemory.benchmarks.gpu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/** Runs a helper program (nvidia-smi, python3) with a time limit and returns what it printed. Stateless; thread-safe. */
final class Processes {

    /** What a program did: its exit code (-1: did not start or ran out of time), its output, why it failed. */
    record Outcome(int exitCode, String output, @Nullable String problem) {
        boolean ok() {
            return problem == null && exitCode == 0;
        }
    }

    private Processes() {
    }

    /** {@return the first executable {@code name} on {@code PATH}, or null} */
    static @Nullable Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(":")) {
            if (!directory.isEmpty()) {
                Path candidate = Path.of(directory, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /**
     * Runs {@code command}, stdout and stderr together, for at most {@code limit}. What it printed is
     * read as it comes, so a program stopped at its limit still gives what it printed before: the
     * program and every process it started are killed, and the reader gets a few seconds to take
     * the rest of the pipe (a grandchild that escaped the kill cannot hold the answer back longer).
     */
    static Outcome run(List<String> command, Duration limit) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            return new Outcome(-1, "", command.getFirst() + " did not start: " + e.getMessage());
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().name("output of " + command.getFirst()).daemon()
                .start(() -> copy(process.getInputStream(), output));
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                process.waitFor(OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                reader.join(OUTPUT_GRACE);
                return new Outcome(-1, text(output), command.getFirst() + " ran out of its " + limit.toSeconds() + " s");
            }
            if (!reader.join(OUTPUT_GRACE)) {
                return new Outcome(process.exitValue(), text(output), "output unreadable: the pipe stayed open "
                        + OUTPUT_GRACE.toSeconds() + " s after " + command.getFirst() + " exited");
            }
            int code = process.exitValue();
            return new Outcome(code, text(output), code == 0 ? null : command.getFirst() + " exited with " + code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
            return new Outcome(-1, text(output), "interrupted");
        }
    }

    /** How long the output may take to drain once the program ended or was killed. */
    static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

    /** Kills the program first (so it prints nothing more about its children), then every process it had started. */
    private static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] chunk = new byte[8192];
        try (in) {
            int read;
            while ((read = in.read(chunk)) >= 0) {
                synchronized (out) {
                    out.write(chunk, 0, read);
                }
            }
        } catch (IOException e) {
            // the pipe closed under a killed program: what was read stays
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
