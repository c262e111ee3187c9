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
 * background thread zeroing it, see {@link PooledBlock#zeroIdleChunk}), and any state but {@code CLEANING}
 * {@code -> FREED} (a free waits for a cleaning step to end, at most one chunk). Also the
 * {@link java.lang.ref.Cleaner} action for its {@link Anchor}, so it never refers to the anchor, to
 * a lease or to a pool: when nobody holds the anchor any more, this frees the memory, and a block
 * that was {@code IN_USE} then is a leak.
 *
 * <p>It knows nothing of pools: what a pool keeps about an allocation (size class, counters, dirty
 * extent, lease scope, budget hand-over) is in the pool's {@link PooledBlock}, which is then this
 * block's {@link Owner}. Standalone memory has no entry.
 *
 * <p>Layout. The state, written on every rent and return, and what a rent reads beside it (the
 * memory and its size) lie between 64 bytes of padding on either side, so two threads renting
 * neighbouring blocks never write one cache line (false sharing; a pool's blocks and entries are
 * allocated, and after a collection copied, next to each other). HotSpot lays out a class's fields
 * as: the first {@code int} into the gap after a compressed header, then the {@code long}s in
 * declaration order, then the {@code int}s, then the references in declaration order. So the
 * {@code long}s {@code before0..7} lead and the references {@code after0..15} (64 bytes as
 * compressed references, 128 without) follow the hot fields. {@link PooledBlock} does the same.
 *
 * <p>Owned by its {@link Owner} (a pool's entry, or the standalone owner), which it tells when it
 * was freed or leaked. Thread-safe: state changes are atomic.
 */
@SuppressWarnings("unused")   // the padding fields
final class NativeBlock implements Runnable {

    static final int IN_USE = 0;
    static final int IDLE = 1;
    static final int FENCED = 2;
    static final int FREED = 3;
    /** Idle, and being zeroed by the background thread, which holds it alone for one chunk at a time. */
    static final int CLEANING = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(NativeBlock.class, "state", int.class);
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

    /**
     * What every holder of a block holds: an idle slot, the lease (the {@link PinnedBuffer} or
     * {@link PinnedArray}) that has it, or the queue of blocks waiting on a fence. The
     * {@link java.lang.ref.Cleaner} watches this object, and the block it names is the Cleaner's
     * action, which never refers back to it: so when none of its holders holds it any more (a lease
     * dropped without being closed) the block's memory is freed and, if it was rented, counted as a
     * leak. A lease lets go of its anchor when it is closed, so a stale lease never keeps a block
     * from being detected. A pool's code reaches its entry as the block's owner
     * ({@link PooledBlock#of}). Immutable; thread-safe.
     */
    static final class Anchor {
        final NativeBlock block;

        Anchor(NativeBlock block) {
            this.block = block;
        }
    }

    private int hole;
    private long before0, before1, before2, before3, before4, before5, before6, before7;
    /** The memory's size in bytes. */
    final long bytes;
    private volatile int state;
    /** The memory, for the life of the block. */
    final MemorySegment segment;
    private Object after0, after1, after2, after3, after4, after5, after6, after7;
    private Object after8, after9, after10, after11, after12, after13, after14, after15;
    private final Arena arena;
    private final PageLockingBackend backend;
    private final Reclaimer reclaimer;
    final Owner owner;
    final String description;
    /** Where the memory was last handed out: allocated (standalone) or rented (a pool's); PARANOID only. */
    volatile @Nullable Throwable site;

    NativeBlock(Arena arena, PageLockingBackend backend, Reclaimer reclaimer, MemorySegment segment, Owner owner,
                String description) {
        this.segment = segment;
        this.bytes = segment.byteSize();
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
