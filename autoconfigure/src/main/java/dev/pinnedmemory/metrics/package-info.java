/**
 * Micrometer meters for pinned memory pools, read from each pool's
 * {@link dev.pinnedmemory.PoolMetrics} view. Depends on the core only; Micrometer is optional.
 */
@NullMarked
package dev.pinnedmemory.metrics;

import org.jspecify.annotations.NullMarked;
