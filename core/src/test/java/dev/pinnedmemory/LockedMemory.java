package dev.pinnedmemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads what the kernel reports about this process's locked memory (VmLck in /proc/self/status). */
final class LockedMemory {

    private LockedMemory() {
    }

    static long lockedKb() {
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

    /** {@return whether the smaps entry containing {@code address} reports all its pages locked} */
    static boolean smapsLocked(long address, long bytes) {
        try {
            var lines = Files.readAllLines(Path.of("/proc/self/smaps"));
            boolean inside = false;
            for (String line : lines) {
                if (Character.isDigit(line.charAt(0)) || (line.charAt(0) >= 'a' && line.charAt(0) <= 'f' && line.contains("-"))) {
                    String[] range = line.split(" ")[0].split("-");
                    long start = Long.parseUnsignedLong(range[0], 16);
                    long end = Long.parseUnsignedLong(range[1], 16);
                    inside = address >= start && address < end;
                } else if (inside && line.startsWith("Locked:")) {
                    long lockedKb = Long.parseLong(line.substring(7).replace("kB", "").trim());
                    return lockedKb * 1024 >= bytes;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
