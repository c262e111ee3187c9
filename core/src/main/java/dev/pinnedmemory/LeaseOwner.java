package dev.pinnedmemory;

/**
 * Who a {@link PinnedBuffer} goes back to when its lease ends: a pool, or the standalone owner that
 * frees it. Implementations are thread-safe; each lease ends exactly once (the buffer hands over
 * its anchor atomically).
 *
 * @param <A> the primitive array type of the elements
 */
interface LeaseOwner<A> {

    ElementType<A> elementType();

    /** {@return the owner in messages, e.g. {@code pool 'frames'}} */
    String describe();

    /** Ends a lease of {@code length} elements now. */
    void release(BlockAnchor anchor, int length);

    /** Ends a lease of {@code length} elements now, keeping its memory out of use until {@code fence} completes. */
    void releaseAfter(BlockAnchor anchor, int length, TransferFence fence);
}
