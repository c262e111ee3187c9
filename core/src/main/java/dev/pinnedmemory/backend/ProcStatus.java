package dev.pinnedmemory.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/** Reads what Linux reports about this process in {@code /proc/self/status}. Stateless; thread-safe. */
final class ProcStatus {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final int CAP_IPC_LOCK = 14;

    private ProcStatus() {
    }

    /** {@return locked memory (VmLck) in bytes, or -1 where the OS does not say} */
    static long lockedBytes() {
        String value = field("VmLck:");
        if (value == null) {
            return -1;
        }
        return Long.parseLong(value.replace("kB", "").trim()) * 1024;
    }

    /** {@return whether CAP_IPC_LOCK is in the effective capability set} */
    static boolean hasIpcLock() {
        String value = field("CapEff:");
        return value != null && (Long.parseUnsignedLong(value.trim(), 16) & (1L << CAP_IPC_LOCK)) != 0;
    }

    private static @Nullable String field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return line.substring(name.length()).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
