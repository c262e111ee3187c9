package dev.pinnedmemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A fixed-length run of elements in pinned off-heap memory, held by one owner: the Java form of the
 * {@code PinnedBuffer<T>} of the original C# specification this library was built from.
 *
 * <p>Ownership. Every {@link PinnedMemoryPool#rent()} hands out a new {@code PinnedBuffer}: a lease
 * on pooled memory, even when that memory was rented before. {@link #close()} (or
 * {@link PinnedMemoryPool#returnBuffer}) ends the lease: from then on every access through this
 * object throws {@link IllegalStateException} naming the pool, a further {@code close()} does
 * nothing, and nothing done with it can reach memory that someone else rents now.
 * {@link #closeAfter(TransferFence)} ends it at once too, but keeps the memory out of the pool until
 * an asynchronous copy is done. A buffer from {@link #allocate(ElementType, int)} or
 * {@link PinnedMemoryHelper#allocateUnmanaged} owns its memory and frees it on {@code close()}. A
 * buffer that becomes unreachable unclosed is freed by a Cleaner and counted as a leak.
 *
 * <p>Kept segments and addresses. By default {@link #segment()} is the pooled memory itself (like
 * Netty's {@code memoryAddress()}, an escape hatch for native calls): a segment or address kept
 * after {@code close()} stays usable until the pool frees that memory, and writing through it is a
 * bug that can reach the next renter's data. What the next renter sees is zeroed first when
 * {@code clearOnReturn} is on, so writes made through a kept segment between return and rent never
 * reach it: once {@code segment()} of a pooled lease was called, its memory is zeroed at every rent
 * (other pooled memory is zeroed on the library's background thread, since no segment of it can
 * have escaped). With {@code strictSegments} each lease gets a segment of its own, and a kept segment
 * throws {@code IllegalStateException} once the lease ends. An address is a number: using one after
 * close is always undefined.
 *
 * @implSpec Ending a lease is atomic and idempotent from any thread. Copies, fills and segment
 *     access are not synchronised: one thread at a time should use the contents, and a close that
 *     races an access on another thread is a data race the buffer does not arbitrate.
 * @param <A> the primitive array type of the elements, e.g. {@code float[]}
 */
public final class PinnedBuffer<A> implements PinnedMemory<A> {

    private static final VarHandle ANCHOR;

    static {
        try {
            ANCHOR = MethodHandles.lookup().findVarHandle(PinnedBuffer.class, "anchor", NativeBlock.Anchor.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Who a lease goes back to when it ends: a pool's engine, or the standalone owner that frees it.
     * Implementations are thread-safe; each lease ends exactly once (the buffer hands over its
     * anchor atomically).
     *
     * @param <A> the primitive array type of the elements
     */
    interface Owner<A> {

        ElementType<A> elementType();

        /** {@return the owner in messages, e.g. {@code pool 'frames'}} */
        String describe();

        /** Ends a lease now. */
        void release(NativeBlock.Anchor anchor);

        /** Ends a lease now, keeping its memory out of use until {@code fence} completes. */
        void releaseAfter(NativeBlock.Anchor anchor, TransferFence fence);

        /** A lease handed out the block's own segment, which its holder may keep past the lease. */
        default void segmentHandedOut(NativeBlock.Anchor anchor) {
        }
    }

    final Owner<A> owner;
    /**
     * The lease's memory from its start: exactly {@link #byteSize()} bytes, or the whole block it
     * lies in (a lease shorter than its block), cut to size when first asked for ({@link #view()}),
     * so a rent allocates the lease alone.
     */
    private MemorySegment segment;
    private final int length;
    /** log2 of the element size: {@code byteSize()} is {@code length << elementShift}. */
    private final byte elementShift;
    /** The block while this lease lasts; null once it ended. */
    @SuppressWarnings("unused")
    private NativeBlock.@Nullable Anchor anchor;

    /**
     * @param memory the memory from the lease's start, at least {@code length} elements long
     * @param elementShift log2 of the element size in bytes
     */
    PinnedBuffer(Owner<A> owner, NativeBlock.Anchor anchor, MemorySegment memory, int length, int elementShift) {
        this.owner = owner;
        this.segment = memory;
        this.length = length;
        this.elementShift = (byte) elementShift;
        ANCHOR.setRelease(this, anchor);
    }

    /**
     * Allocates a standalone buffer of {@code length} zeroed elements from the default backend
     * selection, the one {@link PinnedMemoryHelper#shared()} uses, whose {@code leakCount()} counts
     * it if it leaks; the caller owns it and must close it.
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public static <A> PinnedBuffer<A> allocate(ElementType<A> type, int length) {
        return StandaloneMemory.shared().allocate(type, length);
    }

    /**
     * {@return the pinned memory of this lease, exactly {@link #byteSize()} bytes}
     *
     * @throws IllegalStateException once the lease ended
     */
    @Override
    public MemorySegment segment() {
        NativeBlock.Anchor held = held();
        owner.segmentHandedOut(held);   // it may be kept past the lease: a pool then zeroes its block at every rent
        Reference.reachabilityFence(held);
        return view();
    }

    /**
     * {@return the native address of the first element, for a DMA engine or native call} Valid
     * while the lease lasts and this buffer is reachable (keep it in a try-with-resources block).
     *
     * @throws IllegalStateException once the lease ended
     */
    @Override
    public long address() {
        NativeBlock.Anchor held = held();
        Reference.reachabilityFence(held);
        return segment.address();
    }

    @Override
    public int length() {
        return length;
    }

    /** {@return the size of the contents in bytes} */
    public long byteSize() {
        return (long) length << elementShift;
    }

    @Override
    public ElementType<A> elementType() {
        return owner.elementType();
    }

    /** {@return whether this lease still lasts} */
    @Override
    public boolean isPinned() {
        return ANCHOR.getAcquire(this) != null;
    }

    /** {@return a new heap array holding a copy of the contents} (the C# specification's {@code Array} property) */
    public A toArray() {
        A array = elementType().newArray(length);
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
        ElementType<A> type = elementType();
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
        NativeBlock.Anchor held = held();
        MemorySegment.copy(source, sourceOffset, segment, type.layout(), 0, count);
        Reference.reachabilityFence(held);
    }

    /**
     * Copies all of {@code source} into the start of this buffer.
     *
     * @throws IndexOutOfBoundsException when {@code source} is larger than this buffer
     * @throws IllegalArgumentException when its size is not a whole number of elements
     */
    public void copyFrom(MemorySegment source) {
        Objects.requireNonNull(source, "source");
        ElementType<A> type = elementType();
        long bytes = source.byteSize();
        if (bytes > byteSize()) {
            throw new IndexOutOfBoundsException("copyFrom: source of " + bytes + " bytes does not fit a buffer of "
                    + byteSize() + " bytes (" + length + " " + type + " elements)");
        }
        if (bytes % type.byteSize() != 0) {
            throw new IllegalArgumentException("copyFrom: source of " + bytes + " bytes is not a whole number of "
                    + type + " elements of " + type.byteSize() + " bytes");
        }
        NativeBlock.Anchor held = held();
        MemorySegment.copy(source, 0, segment, 0, bytes);
        Reference.reachabilityFence(held);
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
        ElementType<A> type = elementType();
        int destinationLength = type.lengthOf(Objects.requireNonNull(destination, "destination"));
        if (destinationOffset < 0 || destinationOffset > destinationLength
                || destinationLength - destinationOffset < length) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + length + " elements does not fit destination of "
                    + destinationLength + " elements at offset " + destinationOffset);
        }
        NativeBlock.Anchor held = held();
        MemorySegment.copy(segment, type.layout(), 0, destination, destinationOffset, length);
        Reference.reachabilityFence(held);
    }

    /**
     * Copies the whole buffer into the start of {@code destination}.
     *
     * @throws IndexOutOfBoundsException when {@code destination} is smaller than this buffer
     */
    public void copyTo(MemorySegment destination) {
        Objects.requireNonNull(destination, "destination");
        long bytes = byteSize();
        if (destination.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + bytes + " bytes does not fit destination of "
                    + destination.byteSize() + " bytes");
        }
        NativeBlock.Anchor held = held();
        MemorySegment.copy(segment, 0, destination, 0, bytes);
        Reference.reachabilityFence(held);
    }

    /** Sets every element to {@code value}, converted as a Java primitive cast would. */
    public void fill(Number value) {
        Objects.requireNonNull(value, "value");
        NativeBlock.Anchor held = held();
        elementType().fill(view(), value);
        Reference.reachabilityFence(held);
    }

    /**
     * Reads from {@code channel}, at its current position, straight into this buffer's memory (no
     * heap copy) until the buffer is full or the channel ends; bytes land as they come, so a
     * multi-byte element is read in native byte order. It never reads past {@link #byteSize()}: what
     * follows stays in the channel.
     *
     * @return the bytes read, a whole number of elements: {@code byteSize()} when full, fewer when
     *     the channel ended first (0 at its end); the rest of the buffer is unchanged
     * @throws java.io.EOFException if the channel ended inside an element; the message names the
     *     bytes read, which are all in the buffer (the lease stays open and the caller's to close)
     * @throws IllegalArgumentException if {@code channel} is a {@code SelectableChannel} in
     *     non-blocking mode (nothing is read: this call fills the whole buffer, a selector loop keeps
     *     {@code segment().asByteBuffer()} across its reads instead)
     * @throws IOException if the channel fails, or returns 0 bytes (a channel that does not block);
     *     what was read before is in the buffer
     * @throws IllegalStateException once the lease ended
     */
    public long readFrom(ReadableByteChannel channel) throws IOException {
        return transfer(channel, -1);
    }

    /**
     * Reads from {@code channel} starting at file position {@code position} (a {@code pread}, which
     * leaves the channel's own position alone) straight into this buffer's memory, as
     * {@link #readFrom(ReadableByteChannel)} does: until the buffer is full or the file ends.
     *
     * @return the bytes read; 0 when {@code position} is at or past the end of the file
     * @throws IllegalArgumentException if {@code position} is negative, or so large that the buffer's
     *     last byte would lie past {@code Long.MAX_VALUE}
     * @throws java.io.EOFException if the file ends inside an element (see {@link #readFrom(ReadableByteChannel)})
     * @throws IOException if the channel fails
     * @throws IllegalStateException once the lease ended
     */
    public long readFrom(FileChannel channel, long position) throws IOException {
        ChannelTransfers.requirePosition(position, byteSize());
        return transfer(channel, position);
    }

    /**
     * Writes the whole buffer, {@link #byteSize()} bytes (for a {@code rent(length)} lease exactly
     * its length), straight from its memory to {@code channel}, in native byte order.
     *
     * @return the bytes written: always {@code byteSize()}
     * @throws IllegalArgumentException if {@code channel} is a {@code SelectableChannel} in
     *     non-blocking mode (nothing is written)
     * @throws IOException if the channel fails or takes 0 bytes; the message says how many it took
     * @throws IllegalStateException once the lease ended
     */
    public long writeTo(WritableByteChannel channel) throws IOException {
        NativeBlock.Anchor held = held();
        try {
            return ChannelTransfers.write(channel, view());
        } finally {
            Reference.reachabilityFence(held);
        }
    }

    private long transfer(ReadableByteChannel channel, long position) throws IOException {
        NativeBlock.Anchor held = held();
        try {
            return ChannelTransfers.read(channel, position, view(), elementType());
        } finally {
            Reference.reachabilityFence(held);
        }
    }

    /** Ends the lease: returns the buffer to its pool, or frees it. A second call does nothing. */
    @Override
    public void unpin() {
        NativeBlock.Anchor held = take();
        if (held != null) {
            owner.release(held);
        }
    }

    /** Same as {@link #unpin()}. */
    @Override
    public void close() {
        unpin();
    }

    /**
     * Ends the lease now, but keeps its memory out of use until {@code fence} completes: the pool
     * neither rents it out, nor clears it, nor frees it (not even when the pool is closed) before
     * then; then it is returned normally and the fence closed. A fence that is already complete
     * makes this exactly {@link #close()}. Use it right after queueing an asynchronous copy from or
     * to this buffer, e.g. with {@link dev.pinnedmemory.cuda.CudaFence#record}.
     *
     * @param fence the transfer's fence; this buffer takes it and closes it
     * @throws NullPointerException if {@code fence} is null
     * @throws IllegalStateException if the lease had already ended (the fence is closed, and the
     *     memory may be someone else's by now: the transfer raced a close)
     */
    public void closeAfter(TransferFence fence) {
        Objects.requireNonNull(fence, "fence");
        NativeBlock.Anchor held = take();
        if (held == null) {
            closeQuietly(fence);
            throw new IllegalStateException(closedMessage() + "; closeAfter came too late: the transfer may have "
                    + "used memory that was no longer this buffer's");
        }
        boolean complete;
        try {
            complete = fence.isComplete();
        } catch (Throwable e) {
            // Not known to be done: park it; the fence is asked again (and its failure logged) until it says so.
            complete = false;
        }
        if (complete) {
            owner.release(held);
            closeQuietly(fence);
        } else {
            owner.releaseAfter(held, fence);
        }
    }

    /**
     * Ends this lease and hands its memory on, without a copy, as a new lease on the first
     * {@code length} elements: for a buffer filled from a source of unknown length (a chunked request
     * body), rented full size and then narrowed to what arrived. The contents stay where they are;
     * the memory goes back to the pool, as a whole, when the new lease ends (the pool's counters saw
     * one rent of the full size). A segment or address taken from this lease is the start of the
     * new one's; the kept-segment rules of the class comment apply to it as to any other.
     *
     * @param length elements of the new lease, {@code 1 <= length <= length()}
     * @return the new lease, which the caller owns
     * @throws IllegalArgumentException naming the length and the limit when it is outside {@code [1, length()]}
     * @throws IllegalStateException once this lease ended
     */
    public PinnedBuffer<A> narrow(int length) {
        if (length < 1 || length > this.length) {
            throw new IllegalArgumentException("narrow: length " + length + " (expected: 1 to " + this.length
                    + ", the length of this buffer, in " + owner.elementType() + " elements)");
        }
        NativeBlock.Anchor held = take();
        if (held == null) {
            throw new IllegalStateException(closedMessage() + "; narrow came too late");
        }
        return new PinnedBuffer<>(owner, held, segment, length, elementShift);
    }

    /**
     * {@return the lease's memory, exactly {@link #byteSize()} bytes} A lease shorter than its block
     * cuts the block's segment to size here, once: a benign race if two threads do it at once (both
     * cuts are the same memory).
     */
    private MemorySegment view() {
        MemorySegment memory = segment;
        long bytes = byteSize();
        if (memory.byteSize() != bytes) {
            memory = memory.asSlice(0, bytes);
            segment = memory;
        }
        return memory;
    }

    /** {@return the block, taken from this lease: non-null exactly once} */
    NativeBlock.@Nullable Anchor take() {
        return (NativeBlock.Anchor) ANCHOR.getAndSet(this, null);
    }

    /** {@return the block while this lease lasts; throws IllegalStateException once it ended} */
    NativeBlock.Anchor held() {
        NativeBlock.Anchor held = (NativeBlock.Anchor) ANCHOR.getAcquire(this);
        if (held == null) {
            throw new IllegalStateException(closedMessage() + " and may not be used");
        }
        return held;
    }

    String closedMessage() {
        return "buffer of " + length + " " + owner.elementType() + " elements from " + owner.describe() + " was closed";
    }

    private static void closeQuietly(TransferFence fence) {
        try {
            fence.close();
        } catch (RuntimeException ignored) {
            // The fence's own failure to close is not this caller's problem; the lease is what matters.
        }
    }

    @Override
    public String toString() {
        return "PinnedBuffer[" + owner.elementType() + " x " + length + (isPinned() ? "" : ", closed") + ", "
                + owner.describe() + "]";
    }
}
