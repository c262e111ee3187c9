package dev.pinnedmemory.benchmarks.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check's report while it is being made: the JSON sections so far and the progress lines
 * printed so far. {@link #save(String)} writes {@code gpu-check.json} after each phase (and each
 * test), marked {@code "result": "incomplete"} with the phase reached, so a run that is killed or
 * hangs still leaves what it found; {@link #stoppedEarly} writes that and a {@code gpu-check.txt}
 * of the progress lines. Files are written to a temporary name and moved into place, so a reader
 * never sees half a file. Thread-safe (the watchdog may stop the run from another thread).
 */
final class CheckReport {

    private final Path outDir;
    private final long started = System.nanoTime();
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<String> progress = new ArrayList<>();
    private boolean closed;

    CheckReport(Path outDir) {
        this.outDir = outDir;
    }

    /** {@return seconds since the check started} */
    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    synchronized void put(String key, Object value) {
        json.put(key, value);
    }

    synchronized Map<String, Object> json() {
        return new LinkedHashMap<>(json);
    }

    /** Prints a line at once (the console is what survives a kill) and keeps it for a partial text report. */
    synchronized void progress(String line) {
        System.out.println(line);
        System.out.flush();
        progress.add(line);
    }

    /** Writes the JSON as it is now, marked incomplete, having reached {@code phase}; nothing after the final write. */
    synchronized void save(String phase) {
        if (closed) {
            return;
        }
        Map<String, Object> partial = new LinkedHashMap<>(json);
        partial.put("result", "incomplete");
        partial.put("phase", phase);
        partial.put("seconds", seconds());
        write("gpu-check.json", JsonText.of(partial));
    }

    /** Writes the final JSON and text; later saves and stops do nothing. */
    synchronized void finish(String text) {
        if (closed) {
            return;
        }
        json.put("seconds", seconds());
        write("gpu-check.json", JsonText.of(json));
        write("gpu-check.txt", text);
        closed = true;
    }

    /**
     * Writes what the check has, as it is, because it cannot finish ({@code why}): the JSON with
     * {@code "result": "incomplete"} and the reason, and the progress lines as the text report.
     *
     * @return whether this call wrote it (false when the check had already finished)
     */
    synchronized boolean stoppedEarly(String phase, String why) {
        if (closed) {
            return false;
        }
        Map<String, Object> partial = new LinkedHashMap<>(json);
        partial.put("result", "incomplete");
        partial.put("phase", phase);
        partial.put("stoppedBecause", why);
        partial.put("seconds", seconds());
        write("gpu-check.json", JsonText.of(partial));
        StringBuilder text = new StringBuilder();
        progress.forEach(line -> text.append(line).append('\n'));
        text.append("result: incomplete (").append(why).append("), stopped in phase ").append(phase).append('\n');
        write("gpu-check.txt", text.toString());
        closed = true;
        return true;
    }

    private void write(String name, String content) {
        try {
            Path temporary = outDir.resolve(name + ".tmp");
            Files.writeString(temporary, content);
            Files.move(temporary, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("gpu-check: cannot write " + outDir.resolve(name), e);
        }
    }
}
