/**
 * The CUDA surface users touch: {@link dev.pinnedmemory.cuda.CudaPointers}, JCuda pointers to pinned
 * segments for {@code cudaMemcpy}, and {@link dev.pinnedmemory.cuda.CudaFence}, a transfer fence
 * backed by a CUDA event, for {@link dev.pinnedmemory.PinnedBuffer#closeAfter}. Needs JCuda on the
 * class path (the starter brings it); loaded only when used.
 */
@NullMarked
package dev.pinnedmemory.cuda;

import org.jspecify.annotations.NullMarked;
