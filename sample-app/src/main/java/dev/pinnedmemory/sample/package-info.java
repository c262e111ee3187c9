/**
 * The sample GPU data service: batches of float32 values staged in pinned buffers from a size-classed
 * pool, copied to a CUDA device asynchronously when there is one, with a secured resize and Actuator.
 */
@NullMarked
package dev.pinnedmemory.sample;

import org.jspecify.annotations.NullMarked;
