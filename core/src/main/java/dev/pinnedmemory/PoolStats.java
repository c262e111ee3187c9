package dev.pinnedmemory;

/**
 * A snapshot of a {@link PinnedMemoryPool}'s state and counters: what the Actuator endpoint,
 * metrics and health read. Immutable; thread-safe. Counters are read one by one without a global
 * lock, so under load they may be a few operations apart; when the pool is quiet,
 * {@code allocated == idle + inUse} and {@code rents == returns + inUse + leaks}.
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
