/**
 * The CUDA surface users touch. Needs JCuda on the class path (the starter brings it); loaded only
 * when used. The public types:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link CudaPointers}: a JCuda {@code Pointer} to a pinned segment's memory, for
 *     {@code cudaMemcpyAsync} and kernels;</li>
 * <li>{@link CudaFence}: a {@link dev.pinnedmemory.TransferFence} on a CUDA event recorded on a stream,
 *     for {@link dev.pinnedmemory.PinnedBuffer#closeAfter}.</li>
 * </ul>
 *
 * <p>The fence's JCuda event calls ({@code EventRuntime}, {@code JCudaEventRuntime}, {@code CudaCalls})
 * are package-private.
 */
@NullMarked
package dev.pinnedmemory.cuda;

import org.jspecify.annotations.NullMarked;
