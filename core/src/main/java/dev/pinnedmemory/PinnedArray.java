package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A Java array's contents given a pinned home: the Java form of the {@code PinnedMemory<T>(T[] array)}
 * constructor of the original C# specification this library was built from.
 *
 * <p>The JVM cannot hold a heap array at a fixed address for long, so pinning copies the array
 * into pinned off-heap memory; {@link #segment()} and {@link #address()} are that memory, ready for
 * a DMA engine. {@link #commit()} writes it back into the array and keeps it pinned;
 * {@link #unpin()} or {@link #close()} writes it back once and frees it, after which the array is an
 * ordinary heap object again. A segment kept after that reads zeros (the pages were given back)
 * until the library closes its arena moments later, then throws; it never reaches anyone else's
 * memory.
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

    private static final VarHandle ANCHOR;

    static {
        try {
            ANCHOR = MethodHandles.lookup().findVarHandle(PinnedArray.class, "anchor", NativeBlock.Anchor.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final A array;
    private final ElementType<A> type;
    private final int length;
    private final MemorySegment segment;
    @SuppressWarnings("unused")
    private NativeBlock.@Nullable Anchor anchor;

    PinnedArray(A array, ElementType<A> type, NativeBlock.Anchor anchor) {
        this.array = array;
        this.type = type;
        this.length = type.lengthOf(array);
        this.segment = anchor.block.segment;
        MemorySegment.copy(array, 0, segment, type.layout(), 0, length);
        ANCHOR.setRelease(this, anchor);
    }

    /**
     * Pins {@code array} on the default backend selection, the one {@link PinnedMemoryHelper#shared()}
     * uses, whose {@code leakCount()} counts it if it leaks.
     *
     * @throws NullPointerException if {@code array} is null
     * @throws IllegalArgumentException if it is not a {@code byte[]}, {@code short[]}, {@code char[]},
     *     {@code int[]}, {@code long[]}, {@code float[]} or {@code double[]}
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public static <A> PinnedArray<A> of(A array) {
        return StandaloneMemory.shared().pin(array);
    }

    /** {@return the wrapped array; its contents are current after {@link #commit()} or {@link #unpin()}} */
    public A array() {
        return array;
    }

    @Override
    public MemorySegment segment() {
        Reference.reachabilityFence(held());
        return segment;
    }

    @Override
    public long address() {
        Reference.reachabilityFence(held());
        return segment.address();
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
        return ANCHOR.getAcquire(this) != null;
    }

    /**
     * Writes the pinned contents back into the array and stays pinned.
     *
     * @throws IllegalStateException if already unpinned
     */
    public synchronized void commit() {
        NativeBlock.Anchor held = held();
        MemorySegment.copy(segment, type.layout(), 0, array, 0, length);
        Reference.reachabilityFence(held);
    }

    /** Writes the pinned contents back into the array once, then frees the pinned memory. A second call does nothing. */
    @Override
    public synchronized void unpin() {
        NativeBlock.Anchor held = (NativeBlock.Anchor) ANCHOR.getAndSet(this, null);
        if (held == null) {
            return;
        }
        MemorySegment.copy(segment, type.layout(), 0, array, 0, length);
        held.block.free();
        Reference.reachabilityFence(held);
    }

    /** Same as {@link #unpin()}. */
    @Override
    public void close() {
        unpin();
    }

    private NativeBlock.Anchor held() {
        NativeBlock.Anchor held = (NativeBlock.Anchor) ANCHOR.getAcquire(this);
        if (held == null) {
            throw new IllegalStateException("pinned array of " + length + " " + type
                    + " elements was unpinned; use array() for its contents");
        }
        return held;
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
