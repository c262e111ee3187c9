package dev.pinnedmemory.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POSIX shared memory objects for the tests, made as a client makes them (a file in /dev/shm), with the test's
 * own mappings of them (the client's side), and what the kernel says about this process: locked memory (VmLck)
 * and the files it has mapped (/proc/self/maps). Removes every object it made when closed. Not thread-safe.
 */
public final class SharedMemoryObjects implements AutoCloseable {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final List<Path> made = new ArrayList<>();
    private final Arena client = Arena.ofShared();

    /** {@return the key of a new object of {@code bytes} zero bytes: {@code /pinned-memory-test-<pid>-<n>-<tag>}} */
    public String create(String tag, long bytes) {
        String name = "pinned-memory-test-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet() + "-" + tag;
        Path path = Path.of("/dev/shm", name);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (bytes > 0) {
                channel.write(ByteBuffer.allocate(1), bytes - 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        made.add(path);
        return "/" + name;
    }

    /** {@return a path in /dev/shm this instance removes when closed, for objects a test makes itself (links, FIFOs, directories)} */
    public Path reserve(String tag) {
        Path path = Path.of("/dev/shm", "pinned-memory-test-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet()
                + "-" + tag);
        made.add(path);
        return path;
    }

    /** {@return the client's own mapping of the whole object {@code key}, as a client process has it} */
    public MemorySegment map(String key) {
        try (FileChannel channel = FileChannel.open(path(key), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), client);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shrinks (or grows) the object {@code key} to {@code bytes}, as a careless client might. */
    public static void truncate(String key, long bytes) {
        try (FileChannel channel = FileChannel.open(path(key), StandardOpenOption.WRITE)) {
            channel.truncate(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path path(String key) {
        return Path.of("/dev/shm", key.substring(1));
    }

    /** {@return the memory this process has locked, in KiB (VmLck in /proc/self/status)} */
    public static long lockedKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmLck:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmLck in /proc/self/status");
    }

    /** {@return how many mappings of this process are of the file {@code path} (/proc/self/maps)} */
    public static long mappingsOf(Path path) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.endsWith(" " + path) || line.endsWith(" " + path + " (deleted)")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        client.close();
        for (Path path : made) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
