package dev.pinnedmemory.actuate;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolMetrics;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The response of {@code GET} and {@code DELETE /actuator/pinnedmemory/{pool}/peaks}: one pool's
 * peaks, and the peak of the budget it shares. Immutable snapshot.
 *
 * @param pool the pool's name
 * @param peakPinnedBytes most bytes the pool held at once
 * @param peakInUse most buffers in use at once (see {@code PoolStats.peakInUse})
 * @param maxAllocationNanos the backend's longest allocation of a buffer
 * @param maxFreeNanos the backend's longest free of a buffer
 * @param budgetPeakBytes most bytes reserved at once from the budget the pool shares
 */
public record PeaksDescriptor(String pool, long peakPinnedBytes, int peakInUse, long maxAllocationNanos,
                              long maxFreeNanos, long budgetPeakBytes) implements OperationResponseBody {

    static PeaksDescriptor of(String name, PinnedMemoryPool<?> pool) {
        PoolMetrics metrics = pool.metrics();
        return new PeaksDescriptor(name, metrics.peakPinnedBytes(), metrics.peakInUse(), metrics.maxAllocationNanos(),
                metrics.maxFreeNanos(), pool.budget().peakBytes());
    }
}
