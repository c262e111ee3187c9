package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A block as a pool keeps it: the pool's entry for one of its allocations (what HikariCP calls the
 * {@code PoolEntry} around a connection): the {@link NativeBlock} (memory and exactly-once free) and what the pool keeps about it, with the
 * behaviour that touches only that: its size class; the rent, return and asked-byte counts; how far
 * holders may have written (the dirty extent), zeroed before the next renter sees it, by that
 * renter or, one chunk at a time, by the background thread; whether a lease handed out its segment;
 * a strict lease's scope, opened at the rent and closed at the return; whether a resize kept its
 * budget bytes. As the block's {@link NativeBlock.Owner} it passes the block's allocation, free and
 * leak on to the pool's {@link BlockLedger}.
 *
 * <p>Layout: the fields a rent and a return write and read lie between 64 bytes of padding on
 * either side, as in {@link NativeBlock} (which says how).
 *
 * <p>Owned by the pool: it lives exactly as long as its block and is reached through the block's
 * {@link NativeBlock.Anchor}. Not thread-safe by itself: only the thread that holds the anchor (the
 * renter, the returner, the background zeroing under the block's claim) writes the hot fields, and
 * the idle slots' hand-off orders those writes; the counts are read racily (opaque) by stats.
 */
@SuppressWarnings("unused")   // the padding fields
final class PooledBlock implements NativeBlock.Owner {

    /** Bytes zeroed per exclusive claim in the background: the longest a renter or a free ever waits for it. */
    static final long ZEROING_CHUNK_BYTES = 64 << 10;

    private static final VarHandle RENTS;
    private static final VarHandle RETURNS;
    private static final VarHandle ASKED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RENTS = lookup.findVarHandle(PooledBlock.class, "rents", long.class);
            RETURNS = lookup.findVarHandle(PooledBlock.class, "returns", long.class);
            ASKED = lookup.findVarHandle(PooledBlock.class, "askedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private int hole;
    private long before0, before1, before2, before3, before4, before5, before6, before7;
    /** Leases of this entry (opaque writes by the renter). */
    private long rents;
    /** Leases ended (opaque writes by the returner, before it lets go). */
    private long returns;
    /** Bytes its leases asked for, summed. */
    private long askedBytes;
    /** How far from its start holders may have written: zeroed before a renter sees it (clear-on-return). */
    long dirtyBytes;
    /**
     * Whether a lease ever handed out this block's own segment ({@code segment()} of a pool without
     * strict segments). Such a segment may be kept and written after its lease ended, at any time,
     * so such a block is never certified clean in the background: it is zeroed at every rent, as far
     * as the renter sees. Written only by the entry's holder, before it hands it on; never reset.
     */
    boolean exposed;
    /** Set by a resize that keeps this entry's budget bytes for the new buffers instead of releasing them. */
    volatile boolean budgetTransferred;
    final NativeBlock block;
    /** The size class it belongs to, read at every return. */
    final SizeClass sizeClass;
    /** Strict segments only: the scope of the current lease's segment, closed when the lease ends. */
    private volatile @Nullable Arena leaseScope;
    private Object after0, after1, after2, after3, after4, after5, after6, after7;
    private Object after8, after9, after10, after11, after12, after13, after14, after15;
    private final BlockLedger ledger;

    /**
     * @param allocation makes the block with this entry as its owner (the backend call); what it
     *                   throws leaves no entry behind
     */
    PooledBlock(BlockLedger ledger, SizeClass sizeClass, Function<NativeBlock.Owner, NativeBlock> allocation) {
        this.ledger = ledger;
        this.sizeClass = sizeClass;
        this.block = allocation.apply(this);
    }

    /** {@return the entry of a pool's block} The owner of a pool's block is always its entry. */
    static PooledBlock of(NativeBlock.Anchor anchor) {
        return (PooledBlock) anchor.block.owner;
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

    /**
     * Zeroes what a renter of {@code asked} bytes will see and the background has not reached (also
     * what a segment kept by an earlier holder wrote after it returned: such a block is never zeroed
     * in the background), then records that the new lease may write that far. Called by the renter,
     * which holds the block alone.
     */
    void zeroBeforeRent(long asked) {
        long dirty = dirtyBytes;
        if (dirty > 0) {
            (dirty >= block.bytes && asked >= block.bytes ? block.segment
                    : block.segment.asSlice(0, Math.min(dirty, asked))).fill((byte) 0);
        }
        dirtyBytes = Math.max(dirty, asked);
    }

    /**
     * {@return whether the background may zero this block for the next renter} Read by its holder
     * before it puts it back; again, under the block's claim, by the background. A block whose own
     * segment was handed out is zeroed only at rents, unless strict segments made that segment throw.
     */
    boolean wantsZeroing(boolean strictSegments) {
        return dirtyBytes > 0 && (strictSegments || !exposed);
    }

    /**
     * Zeroes the last {@value #ZEROING_CHUNK_BYTES} bytes (or fewer) of the dirty prefix under an
     * exclusive claim of the idle block ({@code IDLE -> CLEANING -> IDLE}) and shortens the prefix.
     * A renter that takes the block meanwhile waits for this chunk (never longer) and zeroes the rest
     * itself; a free waits the same way. The background thread only.
     *
     * @return the bytes zeroed; 0 when nothing was left or the block is not idle (rented, or being
     *     freed: its next return asks again)
     */
    long zeroIdleChunk(boolean strictSegments) {
        if (!block.startCleaning()) {
            return 0;
        }
        try {
            long dirty = dirtyBytes;
            if (!wantsZeroing(strictSegments)) {
                return 0;
            }
            long from = Math.max(0, dirty - ZEROING_CHUNK_BYTES);
            block.segment.asSlice(from, dirty - from).fill((byte) 0);
            dirtyBytes = from;
            return dirty - from;
        } finally {
            block.endCleaning();
        }
    }

    /** Marks the block's own segment as handed out ({@link #exposed}); the holder only. */
    void expose() {
        if (!exposed) {
            exposed = true;
        }
    }

    /**
     * {@return a segment of the first {@code asked} bytes in an arena of the lease's own} (strict
     * segments), which {@link #closeLeaseScope()} closes when the lease ends, so a kept segment then
     * throws. The renter only.
     */
    MemorySegment openLeaseScope(long asked) {
        Arena scope = Arena.ofShared();
        leaseScope = scope;
        return MemorySegment.ofAddress(block.segment.address()).reinterpret(asked, scope, null);
    }

    /**
     * Closes a strict lease's scope; {@return false while a native call still holds it} (the block
     * is then held like fenced memory until the call lets go). One closer at a time: the lease's
     * end, then the fence collector.
     */
    boolean closeLeaseScope() {
        Arena scope = leaseScope;
        if (scope == null) {
            return true;
        }
        try {
            if (scope.scope().isAlive()) {
                scope.close();
            }
        } catch (IllegalStateException stillAcquired) {
            return false;
        }
        leaseScope = null;
        return true;
    }

    /** {@return a fence complete once {@code transfer} is and the lease's scope could be closed} */
    TransferFence afterTransfer(TransferFence transfer) {
        return new TransferFence() {
            @Override
            public boolean isComplete() {
                return transfer.isComplete() && closeLeaseScope();
            }

            @Override
            public void close() {
                transfer.close();
            }
        };
    }

    /** {@return whether a strict lease's scope is open now} */
    boolean hasLeaseScope() {
        return leaseScope != null;
    }

    @Override
    public void allocated(NativeBlock allocated) {
        ledger.allocated(this);
    }

    @Override
    public void freed(NativeBlock freed) {
        ledger.freed(this);
    }

    @Override
    public void leaked(NativeBlock leaked) {
        ledger.leaked(this);
    }

    @Override
    public void timed(boolean allocation, long nanos) {
        ledger.timed(allocation, nanos);
    }

    @Override
    public @Nullable Arena detachScope() {
        Arena scope = leaseScope;
        leaseScope = null;
        return scope;
    }

    @Override
    public String toString() {
        return "entry of " + sizeClass.description + " in " + ledger;
    }
}
