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
        return smapsKb(address, "Locked:") * 1024 >= bytes;
    }

    /** {@return a field (e.g. {@code AnonHugePages:}) of the smaps entry containing {@code address}, in kB, or -1} */
    static long smapsKb(long address, String field) {
        try {
            boolean inside = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    inside = address >= start && address < end;
                } else if (inside && line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return a counter from /proc/vmstat (e.g. {@code thp_fault_fallback}), or -1 where absent} */
    static long vmstat(String counter) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/vmstat"))) {
                if (line.startsWith(counter + " ")) {
                    return Long.parseLong(line.substring(counter.length() + 1).trim());
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@return whether transparent huge pages are enabled for madvised memory} */
    static boolean transparentHugePagesAvailable() {
        try {
            String mode = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return !mode.contains("[never]");
        } catch (IOException e) {
            return false;
        }
    }
}
