package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;

/**
 * An array deliberately left on the heap ({@link PinningStrategy#NONE}): a segment over the array
 * itself, never pinned, with no native address. Owns nothing. Not thread-safe for the contents.
 */
final class HeapMemory<A> implements PinnedMemory<A> {

    private final A array;
    private final ElementType<A> type;
    private volatile boolean released;

    HeapMemory(A array, ElementType<A> type) {
        this.array = array;
        this.type = type;
    }

    @Override
    public MemorySegment segment() {
        if (released) {
            throw new IllegalStateException("heap memory view was closed");
        }
        return switch (array) {
            case byte[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalStateException("unsupported array " + array.getClass());
        };
    }

    @Override
    public long address() {
        throw new UnsupportedOperationException("heap memory (strategy NONE) has no stable native address; "
                + "pin it with PINNED_ARRAY, OFF_HEAP or POOLED to get one");
    }

    @Override
    public int length() {
        return type.lengthOf(array);
    }

    @Override
    public ElementType<A> elementType() {
        return type;
    }

    @Override
    public boolean isPinned() {
        return false;
    }

    @Override
    public void unpin() {
        released = true;
    }

    @Override
    public void close() {
        unpin();
    }
}
