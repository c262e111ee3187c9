package dev.pinnedmemory.benchmarks.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /** Runs {@code command}, stdout and stderr together, for at most {@code limit}. */
    static Outcome run(List<String> command, Duration limit) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            return new Outcome(-1, "", command.getFirst() + " did not start: " + e.getMessage());
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Outcome(-1, output.getNow(""), command.getFirst() + " ran out of its " + limit.toSeconds() + " s");
            }
            String text = output.get(10, TimeUnit.SECONDS);
            int code = process.exitValue();
            return new Outcome(code, text, code == 0 ? null : command.getFirst() + " exited with " + code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new Outcome(-1, "", "interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Outcome(process.exitValue(), "", "output unreadable: " + e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
