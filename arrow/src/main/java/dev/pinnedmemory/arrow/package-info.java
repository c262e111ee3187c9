/**
 * Apache Arrow on pinned memory: {@link dev.pinnedmemory.arrow.PinnedArrow#rootAllocator} is an
 * Arrow {@code BufferAllocator} whose buffers are leases of a pinned-memory byte pool, so Arrow IPC
 * readers and Flight clients put record batches straight into page-locked memory.
 */
@NullMarked
package dev.pinnedmemory.arrow;

import org.jspecify.annotations.NullMarked;
