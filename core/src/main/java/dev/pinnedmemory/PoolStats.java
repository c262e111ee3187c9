package dev.pinnedmemory;

import java.util.List;

/**
 * A view of a {@link PinnedMemoryPool}'s state and counters: what the Actuator endpoint and the
 * health contributor read. Immutable; thread-safe. It is exact when the pool is quiet:
 * {@code allocated == idle + inUse + fenced} and {@code rents == returns + inUse + leaks}. Under
 * load it is not a snapshot: rent and return take no lock and keep their counts on each buffer's
 * own cache line, and {@code stats()} sums them one buffer after another, so a buffer in the middle
 * of a rent or return, or a thread that rents and returns during the sum, can be off by about one
 * per busy thread.
 *
 * @param elementType element type name, e.g. {@code FLOAT}
 * @param bufferLength elements per buffer (the current, largest size)
 * @param bufferBytes bytes per buffer (the current, largest size)
 * @param initialSize buffers allocated up front and after each resize
 * @param maxSize most idle buffers kept (per size class)
 * @param clearOnReturn whether a returned buffer is zeroed before it is rented again
 * @param idle buffers ready to rent
 * @param inUse buffers rented and not yet returned (nor leaked)
 * @param allocated live buffers: idle, in use, and waiting on a fence
 * @param rents rents so far
 * @param returns leases ended so far (returned, closed, or closed after a fence)
 * @param hits rents served from an idle buffer
 * @param misses rents that allocated a new buffer
 * @param dropped returned buffers freed instead of kept (idle set full, an old size, or pool closed)
 * @param leaks rented buffers that became unreachable without being returned (freed by the pool)
 * @param pinnedBytes bytes this pool holds now (idle, in use and fenced)
 * @param pageLocked whether the pool's backend page-locks its memory
 * @param fenced buffers whose lease ended with {@code closeAfter} and whose transfer fence has not
 *     completed: held, neither rentable nor freed. A buffer leaves this count only after it is idle
 *     or freed, so 0 means every fenced buffer has been handed on (under load one may for an instant
 *     be counted here and as idle or in use)
 * @param waiting renters waiting for memory now ({@code rent(Duration)})
 * @param waits rents that had to wait for memory
 * @param waitTimeouts rents that waited their whole {@code maxWait} and were refused
 * @param requestedBytes bytes the rents asked for ({@code length} x element size), summed
 * @param backingBytes bytes of the buffers that served those rents, summed: the waste is
 *     {@code backingBytes - requestedBytes}
 * @param sizeClasses each buffer size the pool serves now, smallest first (one without size classes)
 * @param numaNode the NUMA node the pool's memory is bound to, or -1 when it is not bound (placed
 *     wherever the kernel or the CUDA driver puts it): {@link PinnedMemoryPool#numaPlacement()}'s
 *     bound node, which also says what {@code numa-node} asked for
 * @param peakPinnedBytes most bytes the pool held at once since it started or its peaks were reset
 *     ({@link PoolMetrics#resetPeaks()}); exact
 * @param peakInUse most buffers in use at once, as seen at each rent that allocated and at each read
 *     of {@code inUse} (stats, meters): exact whenever the peak needed a new buffer; a burst served
 *     only by idle buffers between two reads can go higher unseen (never above the buffers held)
 * @param allocations buffers whose memory the backend allocated
 * @param allocationNanos nanoseconds the backend took for those allocations, summed
 * @param maxAllocationNanos the longest of them since start or the last reset of the peaks
 * @param frees buffers whose memory the backend gave back (munlock and unmap, or {@code cudaFreeHost})
 * @param freeNanos nanoseconds the backend took for those frees, summed
 * @param maxFreeNanos the longest of them since start or the last reset of the peaks
 * @param stuckFences fences that stayed pending longer than {@code fenceWarnAfterNanos}, counted
 *     once each (their buffers stay held until they complete)
 * @param oldestFenceAgeNanos how long the oldest pending fence has been pending; 0 when none is
 * @param fenceWarnAfterNanos the age from which a pending fence counts as stuck ({@code fence-warn-after})
 */
public record PoolStats(String elementType, int bufferLength, long bufferBytes, int initialSize, int maxSize,
                        boolean clearOnReturn, int idle, int inUse, int allocated, long rents, long returns,
                        long hits, long misses, long dropped, long leaks, long pinnedBytes, boolean pageLocked,
                        int fenced, int waiting, long waits, long waitTimeouts, long requestedBytes,
                        long backingBytes, List<SizeClassStats> sizeClasses, int numaNode,
                        long peakPinnedBytes, int peakInUse,
                        long allocations, long allocationNanos, long maxAllocationNanos, long frees, long freeNanos,
                        long maxFreeNanos, long stuckFences, long oldestFenceAgeNanos, long fenceWarnAfterNanos) {

    /** Copies {@code sizeClasses}, so the record stays immutable. */
    public PoolStats {
        sizeClasses = List.copyOf(sizeClasses);
    }
}
