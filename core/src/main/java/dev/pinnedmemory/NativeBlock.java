package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One allocation from a backend, with the state machine that makes release exactly-once:
 * {@code IN_USE <-> IDLE -> FREED}. Also the {@link java.lang.ref.Cleaner} action of the object
 * that owns it, so it must never reference that object. Thread-safe.
 */
final class NativeBlock extends PaddedState.Padded implements Runnable {

    static final int IN_USE = 0;
    static final int IDLE = 1;
    static final int FREED = 2;

    private static final VarHandle STATE;
    private static final VarHandle HITS;
    private static final VarHandle RETURNS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(PaddedState.Field.class, "state", int.class);
            HITS = lookup.findVarHandle(PaddedState.Field.class, "hits", long.class);
            RETURNS = lookup.findVarHandle(PaddedState.Field.class, "returns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Who is told when the block is freed or leaks: a pool, or the standalone owner. */
    interface Owner {
        void freed(NativeBlock block);

        void leaked(NativeBlock block);
    }

    private final Arena arena;
    private final PageLockingBackend backend;
    final MemorySegment segment;
    final Owner owner;
    final int generation;
    final String description;
    /** Where it was allocated or last rented; PARANOID only. */
    volatile Throwable site;

    NativeBlock(Arena arena, PageLockingBackend backend, MemorySegment segment, Owner owner, int generation,
                String description) {
        this.arena = arena;
        this.backend = backend;
        this.segment = segment;
        this.owner = owner;
        this.generation = generation;
        this.description = description;
    }

    int state() {
        return state;
    }

    void markInUse() {
        STATE.setRelease(this, IN_USE);
    }

    /** Counts a rent served from idle; only the renter calls it. */
    void countHit() {
        HITS.setOpaque(this, (long) HITS.getOpaque(this) + 1);
    }

    /** Counts a return; only the returner calls it, before it hands the block on. */
    void countReturn() {
        RETURNS.setOpaque(this, (long) RETURNS.getOpaque(this) + 1);
    }

    long hitCount() {
        return (long) HITS.getOpaque(this);
    }

    long returnCount() {
        return (long) RETURNS.getOpaque(this);
    }

    boolean transition(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    /**
     * Frees the memory if no one has: the backend gives pages and locks back now, the arena (and
     * with it the address range) is closed by the {@link Reclaimer}. {@return whether this call freed it}
     */
    boolean free() {
        int current;
        do {
            current = state;
            if (current == FREED) {
                return false;
            }
        } while (!STATE.compareAndSet(this, current, FREED));
        try {
            backend.decommit(segment);
        } finally {
            Reclaimer.close(arena);
            owner.freed(this);
        }
        return true;
    }

    /** The Cleaner action: the owning object became unreachable. */
    @Override
    public void run() {
        int before = state;
        if (free() && before == IN_USE) {
            owner.leaked(this);
        }
    }

    long byteSize() {
        return segment.byteSize();
    }
}
