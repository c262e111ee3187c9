package dev.pinnedmemory;

import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A pool's entry for one of its allocations: the {@link NativeBlock} (memory and exactly-once free)
 * and what the pool keeps about it: its size class, the idle slot it was last rented from, the
 * rent, return and asked-byte counts, how far holders may have written (the dirty extent zeroed
 * before the next rent), the last rent site, a strict lease's scope, whether a lease handed out its
 * segment, and whether a resize kept its budget bytes. As the block's {@link NativeBlock.Owner} it
 * passes the block's allocation, free and leak on to the pool's {@link PoolBooks}.
 *
 * <p>Owned by the pool: it lives exactly as long as its block and is held through the same
 * {@link BlockAnchor}. Not thread-safe by itself: only the thread that holds the anchor (the renter,
 * the returner, the background zeroing under the block's claim) writes the hot fields, and the
 * idle slots' hand-off orders those writes; the others are volatile.
 */
final class PoolEntry extends PaddedState.Entry implements NativeBlock.Owner {

    private static final VarHandle RENTS;
    private static final VarHandle RETURNS;
    private static final VarHandle ASKED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RENTS = lookup.findVarHandle(PaddedState.EntryFields.class, "rents", long.class);
            RETURNS = lookup.findVarHandle(PaddedState.EntryFields.class, "returns", long.class);
            ASKED = lookup.findVarHandle(PaddedState.EntryFields.class, "askedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final NativeBlock block;
    private final PoolBooks books;
    /** Where it was last rented; PARANOID only. */
    volatile @Nullable Throwable rentSite;
    /** Strict segments only: the scope of the current lease's segment, closed when the lease ends. */
    volatile @Nullable Arena leaseArena;
    /** Set by a resize that keeps this entry's budget bytes for the new buffers instead of releasing them. */
    volatile boolean budgetTransferred;
    /**
     * Whether a lease ever handed out this block's own segment ({@code segment()} of a pool without
     * strict segments). Such a segment may be kept and written after its lease ended, at any time,
     * so such a block is never certified clean in the background: it is zeroed at every rent, as far
     * as the renter sees. Written only by the entry's holder, before it hands it on; never reset.
     */
    boolean exposed;

    /**
     * @param allocation makes the block with this entry as its owner (the backend call); what it
     *                   throws leaves no entry behind
     */
    PoolEntry(PoolBooks books, SizeClass sizeClass, Function<NativeBlock.Owner, NativeBlock> allocation) {
        super(sizeClass);
        this.books = books;
        this.block = allocation.apply(this);
    }

    /** Counts a lease of {@code asked} bytes; only the renter calls it. */
    void countRent(long asked) {
        RENTS.setOpaque(this, (long) RENTS.getOpaque(this) + 1);
        ASKED.setOpaque(this, (long) ASKED.getOpaque(this) + asked);
    }

    /** Counts the end of a lease; only the returner calls it, before it hands the entry on. */
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

    @Override
    public void allocated(NativeBlock allocated) {
        books.allocated(this);
    }

    @Override
    public void freed(NativeBlock freed) {
        books.freed(this);
    }

    @Override
    public void leaked(NativeBlock leaked) {
        books.leaked(this);
    }

    @Override
    public void timed(boolean allocation, long nanos) {
        books.timed(allocation, nanos);
    }

    @Override
    public @Nullable Arena detachScope() {
        Arena scope = leaseArena;
        leaseArena = null;
        return scope;
    }

    @Override
    public String toString() {
        return "entry of " + sizeClass.description + " in " + books;
    }
}
