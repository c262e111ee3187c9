package dev.pinnedmemory;

import org.jspecify.annotations.Nullable;

/**
 * What every holder of a block holds: an idle slot, the lease (the {@link PinnedBuffer} or
 * {@link PinnedArray}) that has it, or the queue of blocks waiting on a fence. The
 * {@link java.lang.ref.Cleaner} watches this object, so when none of them holds it any more (a
 * lease dropped without being closed) the block's memory is freed and, if it was rented, counted
 * as a leak. A lease lets go of its anchor when it is closed, so a stale lease never keeps a
 * block from being detected. Immutable; thread-safe.
 */
final class BlockAnchor {

    final NativeBlock block;
    /**
     * The pool's entry for the block; null for standalone memory. A pool's anchors always carry
     * one, so the rent and return path reads this field directly (measured: the checked
     * {@link #entry()} there cost about 10 % of a {@code rent(length)}); other code asks {@link #entry()}.
     */
    final @Nullable PoolEntry entry;

    BlockAnchor(NativeBlock block, @Nullable PoolEntry entry) {
        this.block = block;
        this.entry = entry;
    }

    /** {@return the pool's entry for the block} Only a pool's code asks, for its own blocks. */
    PoolEntry entry() {
        PoolEntry pooled = entry;
        if (pooled == null) {
            throw new IllegalStateException(block.description + " belongs to no pool");
        }
        return pooled;
    }

    /** {@return where the block was last rented (a pool's) or allocated (standalone); PARANOID only} */
    @Nullable Throwable site() {
        PoolEntry pooled = entry;
        return pooled != null ? pooled.rentSite : block.allocationSite;
    }
}
