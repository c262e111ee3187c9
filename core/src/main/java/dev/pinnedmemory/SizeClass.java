package dev.pinnedmemory;

/**
 * One buffer size of a pool's {@link PoolShape}: its length, its idle buffers and its counters.
 * Rents of a length up to {@link #length} and above the next smaller class are served here.
 * Belongs to one shape (one {@link #generation}); after a resize its idle buffers are freed and
 * buffers of it that come back are dropped. Thread-safe.
 */
final class SizeClass {

    final int index;
    final int length;
    final long bytes;
    final int generation;
    final IdleSlots<BlockAnchor> idle;
    final PoolCounters counters = new PoolCounters();
    /** For messages, e.g. {@code a buffer of 1024 FLOAT elements (4096 bytes)}. */
    final String description;

    SizeClass(int index, int length, ElementType<?> type, int generation, int maxIdle) {
        this.index = index;
        this.length = length;
        this.bytes = (long) length * type.byteSize();
        this.generation = generation;
        this.idle = new IdleSlots<>(maxIdle);
        this.description = "a buffer of " + length + " " + type + " elements (" + bytes + " bytes)";
    }
}
