/**
 * Apache Arrow on pinned memory, so Arrow IPC readers and Flight clients put record batches straight into
 * page-locked memory. The public type:
 *
 * <p><b>Start here</b>: {@link PinnedArrow}: {@code rootAllocator(pool)} is an Arrow
 * {@code BufferAllocator} whose buffers are leases of a pinned-memory byte pool;
 * {@code allocationManagerFactory(pool)} and {@code roundingPolicy(pool)} are the pieces for an allocator
 * configured otherwise.
 *
 * <p>Arrow's {@code AllocationManager.Factory} over the pool and the allocation manager that holds one lease
 * per Arrow allocation are package-private.
 */
@NullMarked
package dev.pinnedmemory.arrow;

import org.jspecify.annotations.NullMarked;
