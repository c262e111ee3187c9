package dev.pinnedmemory.actuate;

import java.util.Map;

import dev.pinnedmemory.PoolStats;

/**
 * The response of {@code GET /actuator/pinnedmemory}. Immutable snapshot.
 *
 * @param backend the backend the pools allocate from, and why it was chosen
 * @param pools every pool's statistics, by pool name, in configuration order
 */
public record PinnedMemoryDescriptor(BackendDescriptor backend, Map<String, PoolStats> pools) {
}
