package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jspecify.annotations.Nullable;

/**
 * One allocation from a backend, with the state machine that makes its release exactly-once:
 * {@code IN_USE <-> IDLE}, {@code IN_USE -> FENCED -> IDLE}, {@code IDLE <-> CLEANING} (the
 * background thread zeroing it, see {@link IdleZeroing}), and any state but {@code CLEANING}
 * {@code -> FREED} (a free waits for a cleaning step to end, at most one chunk). Also
 * the {@link java.lang.ref.Cleaner} action for its {@link BlockAnchor}, so it never refers to the
 * anchor, to a lease or to a pool: when nobody holds the anchor any more, this frees the
 * memory, and a block that was {@code IN_USE} then is a leak.
 *
 * <p>It knows nothing of pools: what a pool keeps about an allocation (size class, idle slot,
 * counters, dirty extent, rent site, lease scope, budget hand-over) is in the pool's
 * {@link PoolEntry}, which is then this block's {@link Owner}. Standalone memory has no entry.
 *
 * <p>Owned by its {@link Owner} (a pool's entry, or the standalone owner), which it tells when it
 * was freed or leaked. Thread-safe: state changes are atomic.
 */
final class NativeBlock extends PaddedState.Block implements Runnable {

    static final int IN_USE = 0;
    static final int IDLE = 1;
    static final int FENCED = 2;
    static final int FREED = 3;
    /** Idle, and being zeroed by the background thread, which holds it alone for one chunk at a time. */
    static final int CLEANING = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PaddedState.BlockFields.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Who is told when a block is allocated, freed or leaks: a pool's entry for it, or the standalone owner. */
    interface Owner {
        void allocated(NativeBlock block);

        /** The memory went back (or will not come back, if freeing it failed): release its bytes. */
        void freed(NativeBlock block);

        void leaked(NativeBlock block);

        /**
         * The backend took {@code nanos} to allocate a block's memory ({@code allocation}) or to give
         * it back. Called only where the backend is called, never on a rent served from idle.
         */
        default void timed(boolean allocation, long nanos) {
        }

        /**
         * {@return a scope the owner opened over this memory (a strict lease's), to be closed with it,
         * or null} Called once, by the free; the owner forgets it.
         */
        default @Nullable Arena detachScope() {
            return null;
        }
    }

    private final Arena arena;
    private final PageLockingBackend backend;
    private final Reclaimer reclaimer;
    final Owner owner;
    final String description;
    /** Where standalone memory was allocated; PARANOID only (a pool's entry keeps its rent site). */
    volatile @Nullable Throwable allocationSite;

    NativeBlock(Arena arena, PageLockingBackend backend, Reclaimer reclaimer, MemorySegment segment, Owner owner,
                String description) {
        super(segment);
        this.arena = arena;
        this.backend = backend;
        this.reclaimer = reclaimer;
        this.owner = owner;
        this.description = description;
    }

    int state() {
        return state;
    }

    /** Marks a block just taken from an idle slot as rented; the slot's compare-and-set made the taker its only holder. */
    void markInUse() {
        STATE.setRelease(this, IN_USE);
    }

    /**
     * Marks a block just taken from an idle slot as rented when the background thread may be zeroing
     * it: waits for its cleaning step (one chunk) to end. The slot's compare-and-set made the taker the
     * only renter; this compare-and-set excludes the cleaner.
     */
    void claimFromIdle() {
        for (int spins = 0; ; spins++) {
            int current = state;
            if (current == IDLE) {
                if (STATE.compareAndSet(this, IDLE, IN_USE)) {
                    return;
                }
            } else if (current == CLEANING) {
                awaitChunk(spins);
            } else {
                throw new IllegalStateException(description + " taken from an idle slot in state " + current);
            }
        }
    }

    /**
     * Waits out a chunk being zeroed (a few microseconds): spins at first, then yields, so a cleaner
     * that lost its core to another thread gets it back instead of being spun against.
     */
    private static void awaitChunk(int spins) {
        if (spins < 256) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** {@return whether the background thread now holds this idle block alone, to zero one chunk of it} */
    boolean startCleaning() {
        return STATE.compareAndSet(this, IDLE, CLEANING);
    }

    /** Ends a cleaning step: idle again, and what it zeroed is visible to whoever claims it next. */
    void endCleaning() {
        STATE.setRelease(this, IDLE);
    }

    /** Marks a block its only holder (a lease's end, a fence's completion) is putting back as idle. */
    void markIdle() {
        STATE.setRelease(this, IDLE);
    }

    boolean transition(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    /** Frees the memory if no one has; the arena is closed by the {@link Reclaimer}. {@return whether this call freed it} */
    boolean free() {
        return free(false);
    }

    /**
     * Frees the memory if no one has, closing the arena on this thread, so the memory is back with
     * the operating system or driver when this returns (a resize frees before it allocates).
     * {@return whether this call freed it}
     */
    boolean freeNow() {
        return free(true);
    }

    private boolean free(boolean now) {
        for (int spins = 0; ; spins++) {
            int current = state;
            if (current == FREED) {
                return false;
            }
            if (current == CLEANING) {
                awaitChunk(spins);   // never give memory back while the background thread writes it
            } else if (STATE.compareAndSet(this, current, FREED)) {
                break;
            }
        }
        boolean released = false;
        long start = System.nanoTime();
        try {
            backend.decommit(segment);
            released = backend.releasesMemoryOnDecommit();
        } catch (Throwable failure) {
            reclaimer.failed("giving back the pages of " + description, failure);
        }
        if (released) {
            // The backend gave memory and locks back here; others do in the arena's close (timed there).
            owner.timed(false, System.nanoTime() - start);
        }
        Arena lease = owner.detachScope();
        if (released) {
            owner.freed(this);
        }
        Runnable afterClose = released ? null : () -> owner.freed(this);
        if (now) {
            reclaimer.closeNow(arena, lease, afterClose);
        } else {
            reclaimer.close(arena, lease, afterClose);
        }
        return true;
    }

    /** The Cleaner action: nobody holds the block's anchor any more. */
    @Override
    public void run() {
        int before = state;
        if (free() && before == IN_USE) {
            owner.leaked(this);
        }
    }
}
