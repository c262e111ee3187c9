package dev.pinnedmemory;

/**
 * A view of a {@link PinnedMemoryPool}'s state and counters: what the Actuator endpoint, metrics
 * and health read. Immutable; thread-safe. It is exact when the pool is quiet:
 * {@code allocated == idle + inUse} and {@code rents == returns + inUse + leaks}. Under load it is
 * not a snapshot: rent and return take no lock and keep their counts on each buffer's own cache
 * line, and {@code stats()} sums them one buffer after another, so a buffer in the middle of a
 * rent or return, or a thread that rents and returns during the sum, can be off by about one
 * per busy thread.
 *
 * @param elementType element type name, e.g. {@code FLOAT}
 * @param bufferLength elements per buffer (current size)
 * @param bufferBytes bytes per buffer (current size)
 * @param initialSize buffers allocated up front and after each resize
 * @param maxSize most idle buffers kept
 * @param clearOnReturn whether returned buffers are zeroed before reuse
 * @param idle buffers ready to rent
 * @param inUse buffers rented and not yet returned (nor leaked)
 * @param allocated live buffers: idle plus in use
 * @param rents rents so far
 * @param returns returns so far
 * @param hits rents served from an idle buffer
 * @param misses rents that allocated a new buffer
 * @param dropped returned buffers freed instead of kept (pool full, old size, or pool closed)
 * @param leaks rented buffers that became unreachable without being returned (freed by the pool)
 * @param pinnedBytes bytes this pool holds now (idle and in use)
 * @param pageLocked whether the pool's backend page-locks its memory
 */
public record PoolStats(String elementType, int bufferLength, long bufferBytes, int initialSize, int maxSize,
                        boolean clearOnReturn, int idle, int inUse, int allocated, long rents, long returns,
                        long hits, long misses, long dropped, long leaks, long pinnedBytes, boolean pageLocked) {
}
