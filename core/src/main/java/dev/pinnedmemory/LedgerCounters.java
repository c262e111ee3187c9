package dev.pinnedmemory;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counts a pool's {@link BlockLedger}, and each of its size classes, keeps besides what its
 * blocks count on their own cache lines: misses, drops and leaks, and the counts of blocks already
 * freed. Rents and returns are not here: the holder of a block counts them on the block (no shared
 * atomic on the hot path), and the ledger sums live blocks with {@code retired*}.
 *
 * <p>Thread-safe: the adders from any thread; the {@code retired*} fields only under the ledger's
 * lock, where a freed block is folded in exactly once.
 */
final class LedgerCounters {

    /** Rents that allocated a new buffer. */
    final LongAdder misses = new LongAdder();
    /** Returned buffers freed instead of kept (idle set full, an old size, pool closed). */
    final LongAdder dropped = new LongAdder();
    /** Rented buffers that became unreachable without being returned. */
    final LongAdder leaks = new LongAdder();

    long retiredRents;
    long retiredReturns;
    long retiredAskedBytes;
    long retiredBackingBytes;

    /** Adds a freed entry's own counts; call under the ledger's lock. */
    void fold(PooledBlock entry) {
        long rents = entry.rentCount();
        retiredRents += rents;
        retiredReturns += entry.returnCount();
        retiredAskedBytes += entry.askedByteCount();
        retiredBackingBytes += rents * entry.block.bytes;
    }
}
