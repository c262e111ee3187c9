/**
 * Pinned host memory for GPU transfers: pools of ready-to-use page-locked buffers
 * ({@link dev.pinnedmemory.PinnedMemoryPool}), the leases they hand out
 * ({@link dev.pinnedmemory.PinnedBuffer}), pinned homes for Java arrays
 * ({@link dev.pinnedmemory.PinnedArray}), the {@link dev.pinnedmemory.PinnedMemoryHelper}, budgets,
 * leak detection and transfer fences. No Spring; the backends that page-lock the memory are in
 * {@link dev.pinnedmemory.backend}.
 */
@NullMarked
package dev.pinnedmemory;

import org.jspecify.annotations.NullMarked;
