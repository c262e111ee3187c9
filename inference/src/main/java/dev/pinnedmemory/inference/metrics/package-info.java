/**
 * Micrometer meters of an inference server: {@link dev.pinnedmemory.inference.metrics.InferenceMeters}, an
 * {@code InferenceObserver} and {@code MeterBinder} (requests by model and outcome, latency, tensor bytes in
 * and out), and {@link dev.pinnedmemory.inference.metrics.SharedMemoryMeters}, a {@code MeterBinder} of the
 * shared memory regions (registered regions and bytes, registrations and unregistrations). Needs
 * {@code micrometer-core} on the class path.
 */
@NullMarked
package dev.pinnedmemory.inference.metrics;

import org.jspecify.annotations.NullMarked;
