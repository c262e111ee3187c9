package dev.pinnedmemory;

/**
 * How to give an array's data a pinned home: the {@code PinningStrategy} of the original C#
 * specification ({@code None, GCHandle, Unmanaged, PinnedObjectPool}). Immutable and thread-safe.
 */
public enum PinningStrategy {
    /** Don't pin: use the heap array as it is and let the transfer stage a copy. */
    NONE,
    /** A {@link PinnedArray}: pinned memory mirroring the array, written back on unpin. */
    PINNED_ARRAY,
    /** A fresh off-heap {@link PinnedBuffer} holding a copy; best for large, one-off buffers. */
    OFF_HEAP,
    /** A buffer rented from a pool and holding a copy; best when the same shape recurs. */
    POOLED
}
