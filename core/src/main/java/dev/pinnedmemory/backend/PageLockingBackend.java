package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where pinned memory comes from: one of the page-locking backends ({@code cuda},
 * {@code cuda-register}, {@code mlock}, {@code unlocked}), chosen by {@link PageLockingBackends#select(BackendKind, boolean)}.
 *
 * <p>Ownership: {@link #allocate(long, Arena)} ties the memory to the caller's arena; closing
 * that arena unlocks and frees it, exactly once. A backend holds no memory of its own.
 *
 * @implSpec Implementations are stateless or thread-safe: pools on many threads allocate through
 *     one backend at once. Implementations may be written by users (for example to count or to
 *     fail allocations in tests) as long as they honour the arena contract. A free that fails
 *     (a cleanup action of the arena, or {@link #decommit}) throws a
 *     {@link BackendException} naming the call; the library counts and logs it.
 */
public interface PageLockingBackend {

    /** {@return the configuration name: {@code cuda}, {@code cuda-register}, {@code mlock} or {@code unlocked}} */
    String name();

    /**
     * {@return whether memory from this backend is page-locked (resident, never paged out)} A GPU's
     * DMA engine reads it in place only when the CUDA driver also knows it is pinned ({@code cuda},
     * {@code cuda-register}); {@code mlock} memory is copied at pageable speed.
     */
    boolean pageLocked();

    /**
     * Allocates {@code bytes} of zeroed memory at a page-aligned, never-moving address, locked in
     * RAM when {@link #pageLocked()} is true.
     *
     * @param bytes how many bytes; {@code 0} gives an empty segment
     * @param arena the lifetime: closing it releases the memory
     * @return a segment of exactly {@code bytes} bytes, scoped to {@code arena}
     * @throws BackendException when the operating system or driver refuses,
     *     naming the call, the size and the reason
     */
    MemorySegment allocate(long bytes, Arena arena);

    /**
     * Allocates like {@link #allocate(long, Arena)}, optionally write-combined: memory the CPU
     * writes and a GPU reads, which the CPU reads back very slowly ({@code cudaHostAllocWriteCombined}).
     * Backends without such a mode ignore the hint; the default does.
     *
     * @param writeCombined whether host-to-device staging memory is wanted
     */
    default MemorySegment allocate(long bytes, Arena arena, boolean writeCombined) {
        return allocate(bytes, arena);
    }

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

    /**
     * {@return whether {@link #decommit} gives the memory (and its share of any budget) back at
     * once} The default, false, means the memory is held until its arena is closed, so a budget
     * counts it until then.
     */
    default boolean releasesMemoryOnDecommit() {
        return false;
    }

    /**
     * Page-locks memory that this backend did not allocate (a file the caller mapped, another
     * process's shared memory) the way it locks its own: {@code mlock} locks the pages (and so
     * faults them in); {@code cuda} and {@code cuda-register} register them with the CUDA driver
     * ({@code cudaHostRegister} with {@code cudaHostRegisterPortable}), which pins them and lets a
     * GPU copy from them by DMA. Their contents are left as they are. {@code unlocked}, and a backend
     * written by users that does not override this (the default), lock nothing and say so
     * ({@link PageLock#pageLocked()} is false).
     *
     * <p>Whole pages are locked: those that hold {@code segment}'s bytes; they must be mapped (any
     * mapping's are, being whole pages) and stay mapped until the lock is closed.
     *
     * @param segment native memory; the caller keeps owning it
     * @return the lock: closing it unlocks the pages ({@code munlock}, {@code cudaHostUnregister}) exactly once
     * @throws BackendException when the operating system or driver refuses, naming the call, the size
     *     and the reason; nothing stays locked then
     * @throws IllegalArgumentException for a segment of heap memory
     */
    default PageLock lock(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap memory (expected: native memory, which has an address to lock)");
        }
        return PageLock.none(segment.byteSize());
    }
}
