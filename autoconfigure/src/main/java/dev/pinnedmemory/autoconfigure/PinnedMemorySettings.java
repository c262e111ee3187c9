package dev.pinnedmemory.autoconfigure;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.backend.BackendKind;

/**
 * The validated, immutable pinned memory configuration: {@code pinned-memory.*} bound once into
 * {@link PinnedMemoryProperties} and checked once by {@link #of(PinnedMemoryProperties)}; the pool
 * beans, the backend selection, the budget, the helper and the health contributor all read this
 * value. Each pool is the core's {@link PoolSettings}, so its rules and its bytes-to-elements
 * conversion are the core's; the budget is in bytes. A bean of the context; owns no memory.
 * Immutable and thread-safe.
 *
 * @param backend the backend to select ({@code pinned-memory.backend})
 * @param requirePageLocked whether falling back to memory that is not page-locked fails start-up
 * @param leakDetection how leaks are reported
 * @param maxTotalBytes the budget over all pools in bytes; 0 for unlimited
 * @param strategy the helper's strategy thresholds
 * @param pools the pools to create, by name, in configuration order (the {@code default} pool when none is configured)
 */
public record PinnedMemorySettings(BackendKind backend, boolean requirePageLocked, LeakDetectionLevel leakDetection,
                                   long maxTotalBytes, PinningStrategySelector strategy, Map<String, PoolSettings<?>> pools) {

    /** Copies {@code pools}, keeping their order. */
    public PinnedMemorySettings {
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
    }

    /**
     * {@return the settings of {@code properties}, every rule checked}
     *
     * @throws InvalidPinnedMemoryPropertyException for the first value that breaks a rule, naming
     *     the property, the rule, the value and the fix
     */
    public static PinnedMemorySettings of(PinnedMemoryProperties properties) {
        return PinnedMemoryPropertiesValidator.validate(properties);
    }
}
