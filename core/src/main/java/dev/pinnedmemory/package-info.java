/**
 * Pinned host memory for GPU transfers, without Spring: pools of ready-to-use page-locked buffers,
 * the leases they hand out, pinned homes for Java arrays, budgets, leak detection and transfer
 * fences. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link PinnedMemoryPool}: a pool of page-locked buffers; {@code rent()} hands out a
 *     {@link PinnedBuffer}, a lease of its own that goes back to the pool on {@code close()};</li>
 * <li>{@link PinnedMemoryHelper}: pins Java arrays and allocates standalone buffers on one backend
 *     ({@code PinnedMemoryHelper.shared()} in plain Java; a bean with the starter).</li>
 * </ul>
 *
 * <p><b>Pinned memory</b>: {@link PinnedMemory} (what every kind offers: segment, address, length,
 * {@code unpin()}, {@code close()}); {@link PinnedBuffer} (a lease, or a standalone buffer from
 * {@code PinnedBuffer.allocate}); {@link PinnedArray} (a Java array's contents given a pinned home);
 * {@link ElementType} (the seven primitive element types, named by their array type:
 * {@code ElementType<float[]>}).
 *
 * <p><b>Configuring pools</b>: {@link PoolSettings} (a pool's validated, immutable settings, and their
 * builder) and {@link InvalidPoolSettingException} (a setting that breaks a rule); {@link MemoryBudget}
 * (a hard ceiling shared by pools); {@link PinnedMemoryPools} (an application's pools by name);
 * {@link LeakDetectionLevel} (how loudly leaks are reported).
 *
 * <p><b>Choosing how to pin</b>: {@link PinningStrategy} and {@link PinningStrategySelector} (by size
 * and expected reuses).
 *
 * <p><b>Asynchronous transfers</b>: {@link TransferFence}, which {@code PinnedBuffer.closeAfter} waits
 * for before the memory goes back (a CUDA event's fence is in {@link dev.pinnedmemory.cuda}).
 *
 * <p><b>Observing</b>: {@link PoolStats} and {@link SizeClassStats} (snapshots), {@link PoolMetrics}
 * (the live view meters read), {@link LeakDetector} (the process-wide leak counts and default level).
 *
 * <p><b>Failures</b>: {@link PinnedMemoryException} (memory could not be provided) and
 * {@link MemoryBudgetExceededException} (the budget refused: requested, used and limit bytes).
 *
 * <p>Several of these are the Java form of a type of the original C# specification this library was
 * built from ({@code IPinnedMemory<T>}, {@code PinnedBuffer<T>}, {@code PinnedMemoryPool<T>},
 * {@code PinnedMemoryHelper<T>}, {@code PinningStrategy}); {@code core/README.md} maps them.
 *
 * <p>Everything else here is package-private, the engine behind those types, each class named for its
 * job: {@code BlockPool} (what a pool does: rent, return, resize, close) over {@code SizeClasses} (the
 * buffer sizes it serves now, each with its {@code IdleSlots}), {@code BlockLedger} (its accounting),
 * {@code PooledBlock} (a pool's entry for one {@code NativeBlock}, one allocation), the
 * {@code Allocator}, {@code FencedBlocks}, the {@code Reclaimer} thread and a few more
 * ({@code docs/ARCHITECTURE.md} has a row for each). Where memory comes from is
 * {@link dev.pinnedmemory.backend}.
 */
@NullMarked
package dev.pinnedmemory;

import org.jspecify.annotations.NullMarked;
