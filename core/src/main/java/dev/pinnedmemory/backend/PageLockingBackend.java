package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where pinned memory comes from: one of the page-locking backends ({@code cuda}, {@code mlock},
 * {@code unlocked}), chosen by {@link PageLockingBackends#select(BackendKind, boolean)}.
 *
 * <p>Ownership: {@link #allocate(long, Arena)} ties the memory to the caller's arena; closing
 * that arena unlocks and frees it, exactly once. A backend holds no memory of its own.
 *
 * @implSpec Implementations are stateless or thread-safe: pools on many threads allocate through
 *     one backend at once. Implementations may be written by users (for example to count or to
 *     fail allocations in tests) as long as they honour the arena contract.
 */
public interface PageLockingBackend {

    /** {@return the configuration name: {@code cuda}, {@code mlock} or {@code unlocked}} */
    String name();

    /** {@return whether memory from this backend is page-locked, so a DMA engine can read it in place} */
    boolean pageLocked();

    /**
     * Allocates {@code bytes} of zeroed memory at a page-aligned, never-moving address, locked in
     * RAM when {@link #pageLocked()} is true.
     *
     * @param bytes how many bytes; {@code 0} gives an empty segment
     * @param arena the lifetime: closing it releases the memory
     * @return a segment of exactly {@code bytes} bytes, scoped to {@code arena}
     * @throws dev.pinnedmemory.PinnedMemoryException when the operating system or driver refuses,
     *     naming the call, the size and the reason
     */
    MemorySegment allocate(long bytes, Arena arena);

    /**
     * Gives the physical pages and locks of freed memory back to the operating system now, while
     * its address range stays mapped (reads then see zeros) until its arena is closed, which the
     * library does on a background thread. The default does nothing: the memory goes back when the
     * arena closes.
     *
     * @param segment a segment returned by {@link #allocate(long, Arena)} whose arena is still open
     */
    default void decommit(MemorySegment segment) {
    }
}
