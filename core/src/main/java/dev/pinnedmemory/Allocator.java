package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The one place where pinned memory is allocated, for pools and the helper alike: the budget
 * reservation, the backend call, the exception that names who asked for what, the block with its
 * {@link Reclaimer}, and the Cleaner that frees it when its {@link BlockAnchor} is dropped. It
 * times the backend's allocation and, where the backend frees only when the arena closes, the
 * close (the owner is told: {@link NativeBlock.Owner#timed}); its clock also dates the fences of
 * the pools built on it. Immutable and thread-safe; holds no memory itself.
 */
final class Allocator {

    final PageLockingBackend backend;
    final Reclaimer reclaimer;
    final LeakReporter leaks;
    /** Nanosecond clock for the timers and fence ages; {@link System#nanoTime()} but in tests. */
    final LongSupplier clock;

    Allocator(PageLockingBackend backend, Reclaimer reclaimer, LeakReporter leaks) {
        this(backend, reclaimer, leaks, System::nanoTime);
    }

    Allocator(PageLockingBackend backend, Reclaimer reclaimer, LeakReporter leaks, LongSupplier clock) {
        this.backend = backend;
        this.reclaimer = reclaimer;
        this.leaks = leaks;
        this.clock = clock;
    }

    /** {@return an allocator on {@code backend} with the shared reclaimer and the standard leak reporting} */
    static Allocator standard(PageLockingBackend backend) {
        return new Allocator(backend, Reclaimer.shared(), LeakReporter.STANDARD);
    }

    /**
     * Reserves {@code bytes} from {@code budget} and allocates them.
     *
     * @param who for the message, e.g. {@code pool 'frames'}
     * @param what for the message, e.g. {@code a buffer of 1024 FLOAT elements (4096 bytes)}
     * @return the new block's anchor, or null when the budget refused (nothing was allocated)
     * @throws PinnedMemoryException when the backend refused; the reservation is released
     */
    @Nullable BlockAnchor tryAllocate(NativeBlock.Owner owner, @Nullable SizeClass sizeClass, long bytes,
                                      MemoryBudget budget, boolean writeCombined, String who, String what) {
        if (!budget.tryReserve(bytes)) {
            return null;
        }
        try {
            return allocate(owner, sizeClass, bytes, writeCombined, who, what);
        } catch (RuntimeException | Error e) {
            budget.release(bytes);
            throw e;
        }
    }

    /**
     * Allocates {@code bytes} that the caller has already reserved (or that belong to no budget).
     *
     * @throws PinnedMemoryException when the backend refused; nothing was allocated
     */
    BlockAnchor allocate(NativeBlock.Owner owner, @Nullable SizeClass sizeClass, long bytes, boolean writeCombined,
                         String who, String what) {
        Arena shared = Arena.ofShared();
        // Backends that keep the memory until the arena closes free it there: time that close.
        Arena arena = backend.releasesMemoryOnDecommit() ? shared
                : new TimedArena(shared, clock, nanos -> owner.timed(false, nanos));
        MemorySegment segment;
        long start = clock.getAsLong();
        try {
            segment = backend.allocate(bytes, arena, writeCombined);
        } catch (RuntimeException | OutOfMemoryError e) {
            shared.close();
            throw new PinnedMemoryException(who + " could not allocate " + what + " from backend '" + backend.name()
                    + "': " + e.getMessage(), bytes, e);
        }
        NativeBlock block = new NativeBlock(arena, backend, reclaimer, segment, owner, sizeClass,
                what + " from " + who);
        BlockAnchor anchor = new BlockAnchor(block);
        owner.timed(true, clock.getAsLong() - start);
        owner.allocated(block);
        LeakDetector.CLEANER.register(anchor, block);
        return anchor;
    }
}
