package dev.pinnedmemory.actuate;

import java.util.Map;

import dev.pinnedmemory.PoolStats;

import org.jspecify.annotations.Nullable;

/**
 * The response of {@code GET /actuator/pinnedmemory}. Immutable snapshot.
 *
 * @param backend the backend the pools allocate from, and why it was chosen
 * @param pools every pool's statistics, by pool name, in configuration order
 * @param budget the budget the pools share (that of the first pool), or null when there is no pool
 */
public record PinnedMemoryDescriptor(BackendDescriptor backend, Map<String, PoolStats> pools,
                                     @Nullable BudgetDescriptor budget) {
}
