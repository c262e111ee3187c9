package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A Java array's contents given a pinned home: the specification's {@code PinnedMemory<T>(T[] array)}.
 *
 * <p>The JVM cannot hold a heap array at a fixed address for long, so pinning copies the array
 * into pinned off-heap memory; {@link #segment()} and {@link #address()} are that memory, ready for
 * a DMA engine. {@link #commit()} writes it back into the array and keeps it pinned;
 * {@link #unpin()} or {@link #close()} writes it back once and frees it, after which the array is an
 * ordinary heap object again and the segment is dead.
 *
 * <p>Ownership: the caller owns the pinned copy and must close it; the array stays the caller's.
 * One that becomes unreachable unclosed is freed (without write-back) and counted as a leak.
 *
 * @implSpec {@code commit}, {@code unpin} and {@code close} are synchronised and idempotent (a
 *     second unpin neither writes back nor frees again). Reads and writes of the contents are not
 *     synchronised.
 * @param <A> the primitive array type, e.g. {@code float[]}
 */
public final class PinnedArray<A> implements PinnedMemory<A> {

    private final A array;
    private final ElementType<A> type;
    private final int length;
    private final NativeBlock block;

    PinnedArray(A array, ElementType<A> type, NativeBlock block) {
        this.array = array;
        this.type = type;
        this.length = type.lengthOf(array);
        this.block = block;
        MemorySegment.copy(array, 0, block.segment, type.layout(), 0, length);
    }

    /**
     * Pins {@code array} with the shared helper's backend ({@link PinnedMemoryHelper#shared()}).
     *
     * @throws NullPointerException if {@code array} is null
     * @throws IllegalArgumentException if it is not a {@code byte[]}, {@code short[]}, {@code char[]},
     *     {@code int[]}, {@code long[]}, {@code float[]} or {@code double[]}
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public static <A> PinnedArray<A> of(A array) {
        return PinnedMemoryHelper.shared().pin(array);
    }

    /** {@return the wrapped array; its contents are current after {@link #commit()} or {@link #unpin()}} */
    public A array() {
        return array;
    }

    @Override
    public MemorySegment segment() {
        checkPinned();
        return block.segment;
    }

    @Override
    public long address() {
        checkPinned();
        return block.segment.address();
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public ElementType<A> elementType() {
        return type;
    }

    @Override
    public boolean isPinned() {
        return block.state() == NativeBlock.IN_USE;
    }

    /**
     * Writes the pinned contents back into the array and stays pinned.
     *
     * @throws IllegalStateException if already unpinned
     */
    public synchronized void commit() {
        checkPinned();
        MemorySegment.copy(block.segment, type.layout(), 0, array, 0, length);
    }

    /** Writes the pinned contents back into the array once, then frees the pinned memory. A second call does nothing. */
    @Override
    public synchronized void unpin() {
        if (block.state() != NativeBlock.IN_USE) {
            return;
        }
        MemorySegment.copy(block.segment, type.layout(), 0, array, 0, length);
        block.free();
    }

    /** Same as {@link #unpin()}. */
    @Override
    public void close() {
        unpin();
    }

    private void checkPinned() {
        if (block.state() != NativeBlock.IN_USE) {
            throw new IllegalStateException("pinned array of " + length + " " + type
                    + " elements was unpinned; use array() for its contents");
        }
    }

    @Override
    public String toString() {
        return "PinnedArray[" + type + " x " + length + (isPinned() ? "" : ", unpinned") + "]";
    }

    static <A> A requireArray(A array) {
        Objects.requireNonNull(array, "array");
        ElementType.of(array);
        return array;
    }
}
