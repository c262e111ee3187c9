package dev.pinnedmemory;

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

    BlockAnchor(NativeBlock block) {
        this.block = block;
    }
}
