package dev.pinnedmemory;

/**
 * One buffer size of a pool, in {@link PoolStats#sizeClasses()}: rents of up to
 * {@code bufferLength} elements (and more than the next smaller class) are served here. Counts
 * start with the size class, so a resize starts them again. Immutable; thread-safe.
 *
 * @param bufferLength elements per buffer of this class
 * @param bufferBytes bytes per buffer of this class
 * @param idle buffers of this class ready to rent
 * @param inUse buffers of this class rented now
 * @param hits rents of this class served from an idle buffer
 * @param misses rents of this class that allocated a new buffer
 */
public record SizeClassStats(int bufferLength, long bufferBytes, int idle, int inUse, long hits, long misses) {
}
