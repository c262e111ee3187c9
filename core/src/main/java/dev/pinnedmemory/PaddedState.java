package dev.pinnedmemory;

/**
 * Keeps a block's hot fields on a cache line of their own. Blocks allocated together sit next to
 * each other on the heap, and two threads renting neighbouring buffers would otherwise write the
 * same cache line on every rent and return (false sharing). The JVM lays out superclass fields
 * before subclass fields, so padding in a superclass and in this class brackets the fields. Not for
 * use outside {@link NativeBlock}.
 */
@SuppressWarnings("unused")
abstract class PaddedState {
    /** Fills the 4-byte hole after a compressed header, where the layout would otherwise put {@code state}. */
    private int hole;
    private long before0, before1, before2, before3, before4, before5, before6, before7;

    /**
     * The block's state, and what its holder counts while it holds it: see {@link NativeBlock}.
     * Only the thread that holds the block writes the counters, and the rent/return hand-off (a
     * compare-and-set on an idle slot) orders those writes, so they need no atomic instructions
     * and share no line with anyone.
     */
    abstract static class Field extends PaddedState {
        volatile int state;
        /** The idle slot it was last rented from: where its return starts looking. A hint. */
        int slot;
        /** Leases of this block (opaque writes by the renter). */
        long rents;
        /** Leases ended (opaque writes by the returner, before it lets go). */
        long returns;
        /** Bytes its leases asked for, summed. */
        long askedBytes;
        /** How far from its start earlier holders may have written: cleared before the next rent sees it. */
        long dirtyBytes;
    }

    /** Padding after the fields, so the next heap object does not share their line. */
    abstract static class Padded extends Field {
        private long after0, after1, after2, after3, after4, after5, after6, after7;
    }
}
