package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A fixed-length run of elements in pinned off-heap memory: the specification's {@code PinnedBuffer<T>}.
 *
 * <p>Ownership: a buffer from {@link #allocate(ElementType, int)} or
 * {@link PinnedMemoryHelper#allocateUnmanaged(ElementType, int)} owns its memory and frees it on
 * {@link #close()}. A buffer from {@link PinnedMemoryPool#rent()} belongs to its pool; {@code close()}
 * returns it. A buffer that becomes unreachable while still owned is freed by a Cleaner and
 * counted as a leak. After release every method but {@code close}, {@code unpin},
 * {@code isPinned}, {@code length} and {@code elementType} throws {@link IllegalStateException},
 * and so does any access through a segment obtained earlier once the memory is freed.
 *
 * <p>A pooled buffer object is reused from rent to rent: keep no reference to it, or to its
 * segment, after returning it, or you would alias the next renter's data.
 *
 * @implSpec Release is atomic and idempotent from any thread. Copies, fills and segment access
 *     are not synchronised: one thread at a time should use the contents.
 * @param <A> the primitive array type of the elements, e.g. {@code float[]}
 */
public final class PinnedBuffer<A> implements PinnedMemory<A> {

    private final ElementType<A> type;
    private final int length;
    final NativeBlock block;
    private final MemorySegment segment;
    private final PinnedMemoryPool<A> pool;

    PinnedBuffer(ElementType<A> type, int length, NativeBlock block, PinnedMemoryPool<A> pool) {
        this.type = type;
        this.length = length;
        this.block = block;
        this.segment = block.segment;
        this.pool = pool;
    }

    /**
     * Allocates a standalone buffer of {@code length} zeroed elements from the shared helper's
     * backend ({@link PinnedMemoryHelper#shared()}); the caller owns it and must close it.
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public static <A> PinnedBuffer<A> allocate(ElementType<A> type, int length) {
        return PinnedMemoryHelper.shared().allocateUnmanaged(type, length);
    }

    @Override
    public MemorySegment segment() {
        checkOwned();
        return segment;
    }

    @Override
    public long address() {
        checkOwned();
        return segment.address();
    }

    @Override
    public int length() {
        return length;
    }

    /** {@return the size of the contents in bytes} */
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public ElementType<A> elementType() {
        return type;
    }

    @Override
    public boolean isPinned() {
        return block.state() == NativeBlock.IN_USE;
    }

    /** {@return whether this buffer was rented from a pool, so that closing it returns it} */
    public boolean isPooled() {
        return pool != null;
    }

    /** {@return a new heap array holding a copy of the contents} (the specification's {@code Array}) */
    public A toArray() {
        A array = type.newArray(length);
        copyTo(array, 0);
        return array;
    }

    /** Copies all of {@code source} into the start of this buffer; needs {@code source.length <= length()}. */
    public void copyFrom(A source) {
        copyFrom(source, 0);
    }

    /**
     * Copies {@code source[sourceOffset..]} into the start of this buffer.
     *
     * @throws IndexOutOfBoundsException naming the sizes when {@code sourceOffset} is outside
     *     {@code [0, source.length]} or more than {@code length()} elements would be copied
     */
    public void copyFrom(A source, int sourceOffset) {
        int sourceLength = type.lengthOf(Objects.requireNonNull(source, "source"));
        if (sourceOffset < 0 || sourceOffset > sourceLength) {
            throw new IndexOutOfBoundsException("copyFrom: sourceOffset " + sourceOffset
                    + " outside source of " + sourceLength + " elements");
        }
        int count = sourceLength - sourceOffset;
        if (count > length) {
            throw new IndexOutOfBoundsException("copyFrom: " + count + " elements from source of " + sourceLength
                    + " at offset " + sourceOffset + " do not fit a buffer of " + length + " elements");
        }
        checkOwned();
        MemorySegment.copy(source, sourceOffset, segment, type.layout(), 0, count);
    }

    /**
     * Copies all of {@code source} into the start of this buffer.
     *
     * @throws IndexOutOfBoundsException when {@code source} is larger than this buffer
     * @throws IllegalArgumentException when its size is not a whole number of elements
     */
    public void copyFrom(MemorySegment source) {
        Objects.requireNonNull(source, "source");
        long bytes = source.byteSize();
        if (bytes > segment.byteSize()) {
            throw new IndexOutOfBoundsException("copyFrom: source of " + bytes + " bytes does not fit a buffer of "
                    + segment.byteSize() + " bytes (" + length + " " + type + " elements)");
        }
        if (bytes % type.byteSize() != 0) {
            throw new IllegalArgumentException("copyFrom: source of " + bytes + " bytes is not a whole number of "
                    + type + " elements of " + type.byteSize() + " bytes");
        }
        checkOwned();
        MemorySegment.copy(source, 0, segment, 0, bytes);
    }

    /** Copies the whole buffer into the start of {@code destination}; needs {@code destination.length >= length()}. */
    public void copyTo(A destination) {
        copyTo(destination, 0);
    }

    /**
     * Copies the whole buffer into {@code destination[destinationOffset..]}.
     *
     * @throws IndexOutOfBoundsException naming the sizes when {@code destinationOffset} is negative or
     *     fewer than {@code length()} elements remain after it
     */
    public void copyTo(A destination, int destinationOffset) {
        int destinationLength = type.lengthOf(Objects.requireNonNull(destination, "destination"));
        if (destinationOffset < 0 || destinationOffset > destinationLength
                || destinationLength - destinationOffset < length) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + length + " elements does not fit destination of "
                    + destinationLength + " elements at offset " + destinationOffset);
        }
        checkOwned();
        MemorySegment.copy(segment, type.layout(), 0, destination, destinationOffset, length);
    }

    /**
     * Copies the whole buffer into the start of {@code destination}.
     *
     * @throws IndexOutOfBoundsException when {@code destination} is smaller than this buffer
     */
    public void copyTo(MemorySegment destination) {
        Objects.requireNonNull(destination, "destination");
        if (destination.byteSize() < segment.byteSize()) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + segment.byteSize()
                    + " bytes does not fit destination of " + destination.byteSize() + " bytes");
        }
        checkOwned();
        MemorySegment.copy(segment, 0, destination, 0, segment.byteSize());
    }

    /** Sets every element to {@code value}, converted as a Java primitive cast would. */
    public void fill(Number value) {
        Objects.requireNonNull(value, "value");
        checkOwned();
        type.fill(segment, value);
    }

    /** Releases the buffer: returns it to its pool, or frees it. A second call does nothing. */
    @Override
    public void unpin() {
        if (pool != null) {
            pool.release(this, false);
        } else {
            block.free();
        }
    }

    /** Same as {@link #unpin()}. */
    @Override
    public void close() {
        unpin();
    }

    PinnedMemoryPool<A> pool() {
        return pool;
    }

    private void checkOwned() {
        int state = block.state();
        if (state != NativeBlock.IN_USE) {
            throw new IllegalStateException(state == NativeBlock.IDLE
                    ? "buffer of " + length + " " + type + " elements was returned to pool '" + pool.name() + "' and may not be used"
                    : "buffer of " + length + " " + type + " elements was freed and may not be used");
        }
    }

    @Override
    public String toString() {
        return "PinnedBuffer[" + type + " x " + length + (isPinned() ? "" : ", released")
                + (pool != null ? ", pool '" + pool.name() + "'" : "") + "]";
    }
}
