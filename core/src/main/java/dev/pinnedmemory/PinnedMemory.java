package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;

/**
 * Memory whose address does not move while it is pinned: the Java form of the
 * {@code IPinnedMemory<T>} interface of the original C# specification this library was built from.
 *
 * <p>Ownership: whoever obtains an instance owns it and must {@link #close()} it (or
 * {@link #unpin()}, which is the same release); a buffer rented from a pool goes back to that
 * pool. {@link #segment()} and {@link #address()} are valid only while {@link #isPinned()} is
 * true; afterwards every access through this object throws {@link IllegalStateException}. A
 * segment obtained earlier never reaches freed memory (it reads zeros, then throws, once the
 * memory is freed); for pooled memory, what it may still do until then is stated in
 * {@link PinnedBuffer}.
 *
 * @implSpec Implementations make {@code unpin()} and {@code close()} idempotent and safe to
 *     call from any thread; reads and writes of the contents are not synchronised, so one
 *     thread at a time (or external synchronisation) should touch the bytes.
 * @param <A> the primitive array type of the elements, e.g. {@code float[]}
 */
public interface PinnedMemory<A> extends AutoCloseable {

    /**
     * {@return a bounds-checked view of the pinned bytes; valid while pinned}
     *
     * @throws IllegalStateException if the memory is no longer pinned
     */
    MemorySegment segment();

    /**
     * {@return the native address of the first element, for a DMA engine or native call} A number:
     * the library cannot stop its use after release, which is always a bug.
     *
     * @throws IllegalStateException if the memory is no longer pinned
     * @throws UnsupportedOperationException for heap memory that was deliberately not pinned
     *     ({@link PinningStrategy#NONE})
     */
    long address();

    /** {@return the number of elements} */
    int length();

    /** {@return the element type} */
    ElementType<A> elementType();

    /**
     * {@return whether the memory is pinned now}: its address is stable and it has not been
     * released. Whether it is also page-locked by the operating system is a property of the
     * backend ({@link dev.pinnedmemory.backend.PageLockingBackend#pageLocked()}).
     */
    boolean isPinned();

    /** Releases the pinned memory; a second call does nothing. */
    void unpin();

    /** Releases the pinned memory, like {@link #unpin()}; a second call does nothing. */
    @Override
    void close();
}
