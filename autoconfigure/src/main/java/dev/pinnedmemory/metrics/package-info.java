/**
 * Micrometer meters for pinned memory pools. Depends on the core only; Micrometer is optional. The public
 * type:
 *
 * <p><b>Start here</b>: {@link PinnedMemoryPoolMetrics}, a {@code MeterBinder} for every pool of a
 * {@code PinnedMemoryPools}, each meter reading one counter of the pool's {@link dev.pinnedmemory.PoolMetrics}
 * view.
 */
@NullMarked
package dev.pinnedmemory.metrics;

import org.jspecify.annotations.NullMarked;
