package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;
import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The one place where pinned memory is allocated, for pools and the helper alike: the budget
 * reservation, the backend call, the exception that names who asked for what, the block with its
 * {@link Reclaimer}, and the Cleaner that frees it when its {@link NativeBlock.Anchor} is dropped. It
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
     * Reserves a buffer of {@code sizeClass} from {@code budget} and allocates it for a pool.
     *
     * @param who for the message, e.g. {@code pool 'frames'}
     * @return the new block's anchor, with the pool's entry for it, or null when the budget refused
     *         (nothing was allocated)
     * @throws PinnedMemoryException when the backend refused; the reservation is released
     */
    NativeBlock.@Nullable Anchor tryAllocate(BlockLedger ledger, SizeClass sizeClass, MemoryBudget budget, boolean writeCombined,
                                      String who) {
        if (!budget.tryReserve(sizeClass.bytes)) {
            return null;
        }
        try {
            return allocate(ledger, sizeClass, writeCombined, who);
        } catch (RuntimeException | Error e) {
            budget.release(sizeClass.bytes);
            throw e;
        }
    }

    /**
     * Allocates a buffer of {@code sizeClass} for a pool, whose bytes the caller has already reserved.
     *
     * @throws PinnedMemoryException when the backend refused; nothing was allocated
     */
    NativeBlock.Anchor allocate(BlockLedger ledger, SizeClass sizeClass, boolean writeCombined, String who) {
        PooledBlock entry = new PooledBlock(ledger, sizeClass,
                owner -> block(owner, sizeClass.bytes, writeCombined, who, sizeClass.description));
        return anchor(entry.block);
    }

    /**
     * Allocates {@code bytes} of standalone memory (no pool, no budget), owned by {@code owner}.
     *
     * @param what for the message, e.g. {@code a buffer of 1024 FLOAT elements (4096 bytes)}
     * @throws PinnedMemoryException when the backend refused; nothing was allocated
     */
    NativeBlock.Anchor allocate(NativeBlock.Owner owner, long bytes, boolean writeCombined, String who, String what) {
        return anchor(block(owner, bytes, writeCombined, who, what));
    }

    private static NativeBlock.Anchor anchor(NativeBlock block) {
        NativeBlock.Anchor anchor = new NativeBlock.Anchor(block);
        block.owner.allocated(block);
        LeakDetector.CLEANER.register(anchor, block);
        return anchor;
    }

    private NativeBlock block(NativeBlock.Owner owner, long bytes, boolean writeCombined, String who, String what) {
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
        owner.timed(true, clock.getAsLong() - start);
        return new NativeBlock(arena, backend, reclaimer, segment, owner, what + " from " + who);
    }
}
