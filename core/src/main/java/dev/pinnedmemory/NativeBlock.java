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
 * anchor, to a lease or to a pool facade: when nobody holds the anchor any more, this frees the
 * memory, and a block that was {@code IN_USE} then is a leak.
 *
 * <p>Owned by its {@link Owner} (a pool's books, or the standalone owner), which it tells when it
 * was freed or leaked. Thread-safe: state changes are atomic; the counters are written only by
 * the thread that holds the block.
 */
final class NativeBlock extends PaddedState.Padded implements Runnable {

    static final int IN_USE = 0;
    static final int IDLE = 1;
    static final int FENCED = 2;
    static final int FREED = 3;
    /** Idle, and being zeroed by the background thread, which holds it alone for one chunk at a time. */
    static final int CLEANING = 4;

    private static final VarHandle STATE;
    private static final VarHandle RENTS;
    private static final VarHandle RETURNS;
    private static final VarHandle ASKED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(PaddedState.Field.class, "state", int.class);
            RENTS = lookup.findVarHandle(PaddedState.Field.class, "rents", long.class);
            RETURNS = lookup.findVarHandle(PaddedState.Field.class, "returns", long.class);
            ASKED = lookup.findVarHandle(PaddedState.Field.class, "askedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Who is told when a block is allocated, freed or leaks: a pool's books, or the standalone owner. */
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
    }

    private final Arena arena;
    private final PageLockingBackend backend;
    private final Reclaimer reclaimer;
    final MemorySegment segment;
    final long bytes;
    final Owner owner;
    /** The size class it belongs to; null for standalone memory. */
    final @Nullable SizeClass sizeClass;
    final String description;
    /** Where it was allocated or last rented; PARANOID only. */
    volatile @Nullable Throwable site;
    /** Strict segments only: the scope of the current lease's segment, closed when the lease ends. */
    volatile @Nullable Arena leaseArena;
    /** Set by a resize that keeps this block's budget bytes for the new buffers instead of releasing them. */
    volatile boolean budgetTransferred;
    /**
     * Whether a lease ever handed out this block's own segment ({@code segment()} of a pool without
     * strict segments). Such a segment may be kept and written after its lease ended, at any time,
     * so such a block is never certified clean in the background: it is zeroed at every rent, as far
     * as the renter sees. Written only by the block's holder, before it hands the block on; never reset.
     */
    boolean exposed;

    NativeBlock(Arena arena, PageLockingBackend backend, Reclaimer reclaimer, MemorySegment segment, Owner owner,
                @Nullable SizeClass sizeClass, String description) {
        this.arena = arena;
        this.backend = backend;
        this.reclaimer = reclaimer;
        this.segment = segment;
        this.bytes = segment.byteSize();
        this.owner = owner;
        this.sizeClass = sizeClass;
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

    /** Counts a lease of {@code asked} bytes; only the renter calls it. */
    void countRent(long asked) {
        RENTS.setOpaque(this, (long) RENTS.getOpaque(this) + 1);
        ASKED.setOpaque(this, (long) ASKED.getOpaque(this) + asked);
    }

    /** Counts the end of a lease; only the returner calls it, before it hands the block on. */
    void countReturn() {
        RETURNS.setOpaque(this, (long) RETURNS.getOpaque(this) + 1);
    }

    long rentCount() {
        return (long) RENTS.getOpaque(this);
    }

    long returnCount() {
        return (long) RETURNS.getOpaque(this);
    }

    long askedByteCount() {
        return (long) ASKED.getOpaque(this);
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
        Arena lease = leaseArena;
        leaseArena = null;
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
