package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;

/**
 * Keeps the fields written on every rent and return on cache lines of their own. Blocks and entries
 * allocated together sit next to each other on the heap, and two threads renting neighbouring
 * buffers would otherwise write the same cache line on every rent and return (false sharing). The
 * JVM lays out superclass fields before subclass fields, so padding in this class and in the last
 * subclass brackets the fields. What a plain rent or return reads besides them (the block's
 * segment and size, the entry's size class) is final and sits on the same line, so it touches one
 * line of each; with clear-on-return or strict segments the entry's {@code exposed} flag and lease
 * scope, declared in {@link PoolEntry} itself, are a second line of the entry. Not for use outside {@link NativeBlock} and {@link PoolEntry}.
 */
@SuppressWarnings("unused")
abstract class PaddedState {
    /** Fills the 4-byte hole after a compressed header, where the layout would otherwise put a field. */
    private int hole;
    private long before0, before1, before2, before3, before4, before5, before6, before7;

    /** An allocation's state, its memory and the memory's size: see {@link NativeBlock}. */
    abstract static class BlockFields extends PaddedState {
        volatile int state;
        final MemorySegment segment;
        final long bytes;

        BlockFields(MemorySegment segment) {
            this.segment = segment;
            this.bytes = segment.byteSize();
        }
    }

    /** Padding after the allocation's fields. */
    abstract static class Block extends BlockFields {
        private long after0, after1, after2, after3, after4, after5, after6, after7;

        Block(MemorySegment segment) {
            super(segment);
        }
    }

    /**
     * What the holder of a pool's entry counts while it holds it: see {@link PoolEntry}. Only the
     * thread that holds the entry writes them, and the rent/return hand-off (a compare-and-set on an
     * idle slot) orders those writes, so they need no atomic instructions and share no line with anyone.
     */
    abstract static class EntryFields extends PaddedState {
        /** The size class it belongs to, read at every return. */
        final SizeClass sizeClass;
        /** The idle slot it was last rented from: where its return starts looking. A hint. */
        int slot;
        /** Leases of this entry (opaque writes by the renter). */
        long rents;
        /** Leases ended (opaque writes by the returner, before it lets go). */
        long returns;
        /** Bytes its leases asked for, summed. */
        long askedBytes;
        /** How far from its start earlier holders may have written: cleared before the next rent sees it. */
        long dirtyBytes;

        EntryFields(SizeClass sizeClass) {
            this.sizeClass = sizeClass;
        }
    }

    /** Padding after the entry's fields. */
    abstract static class Entry extends EntryFields {
        private long after0, after1, after2, after3, after4, after5, after6, after7;

        Entry(SizeClass sizeClass) {
            super(sizeClass);
        }
    }
}
