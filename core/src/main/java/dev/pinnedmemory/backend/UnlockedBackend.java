package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The last resort: page-aligned off-heap memory at a stable address, not locked (the OS may
 * page it out, so a GPU copy from it is staged by the driver). Stateless; thread-safe.
 */
final class UnlockedBackend implements PageLockingBackend {

    static final UnlockedBackend INSTANCE = new UnlockedBackend();
    private static final long PAGE = 4096;

    private UnlockedBackend() {
    }

    @Override
    public String name() {
        return "unlocked";
    }

    @Override
    public boolean pageLocked() {
        return false;
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        try {
            return arena.allocate(bytes, PAGE);
        } catch (OutOfMemoryError e) {
            throw new dev.pinnedmemory.PinnedMemoryException("off-heap allocation of " + Sizes.bytes(bytes)
                    + " failed: " + e.getMessage(), bytes);
        }
    }
}
