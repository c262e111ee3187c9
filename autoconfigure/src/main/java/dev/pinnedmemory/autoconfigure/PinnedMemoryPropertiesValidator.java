package dev.pinnedmemory.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.backend.BackendKind;

import org.springframework.util.unit.DataSize;

/**
 * Checks {@link PinnedMemoryProperties} and converts them to core types. Every failure is an
 * {@link InvalidPinnedMemoryPropertyException} naming the full property, the rule and the value.
 * Stateless; thread-safe.
 */
final class PinnedMemoryPropertiesValidator {

    static final String BACKENDS = "auto, cuda, mlock, unlocked";
    static final String LEAK_LEVELS = "disabled, simple, paranoid";
    static final String ELEMENT_TYPES = "byte, short, char, int, long, float, double";

    private static final String PREFIX = PinnedMemoryProperties.PREFIX + ".";

    private PinnedMemoryPropertiesValidator() {
    }

    /**
     * Validates every property and the rules between them.
     *
     * @return the pools to create, by name, in configuration order
     * @throws InvalidPinnedMemoryPropertyException for the first invalid value
     */
    static Map<String, PoolSpec> validate(PinnedMemoryProperties properties) {
        backend(properties);
        leakDetection(properties);
        long budget = maxTotalBytes(properties);
        selector(properties);
        Map<String, PoolSpec> pools = new LinkedHashMap<>();
        effectivePools(properties).forEach((name, pool) -> pools.put(name, pool(name, pool)));
        checkBudget(budget, pools);
        return pools;
    }

    /** {@return the configured pools, or the single {@code default} pool when none is configured} */
    static Map<String, PinnedMemoryProperties.Pool> effectivePools(PinnedMemoryProperties properties) {
        return properties.getPools().isEmpty()
                ? Map.of(PinnedMemoryProperties.DEFAULT_POOL_NAME, new PinnedMemoryProperties.Pool())
                : properties.getPools();
    }

    static BackendKind backend(PinnedMemoryProperties properties) {
        String value = properties.getBackend();
        try {
            return BackendKind.parse(value);
        } catch (IllegalArgumentException ex) {
            throw oneOf("backend", value, BACKENDS);
        }
    }

    static LeakDetectionLevel leakDetection(PinnedMemoryProperties properties) {
        String value = properties.getLeakDetection();
        try {
            return LeakDetectionLevel.parse(value);
        } catch (IllegalArgumentException ex) {
            throw oneOf("leak-detection", value, LEAK_LEVELS);
        }
    }

    static long maxTotalBytes(PinnedMemoryProperties properties) {
        DataSize size = properties.getMaxTotalSize();
        long bytes = (size != null) ? size.toBytes() : 0;
        if (bytes < 0) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + "max-total-size", "must be 0 (unlimited) or positive",
                    size.toString(), "Set pinned-memory.max-total-size to a size such as 512MB, or to 0 for no limit.");
        }
        return bytes;
    }

    static PinningStrategySelector selector(PinnedMemoryProperties properties) {
        PinnedMemoryProperties.Strategy strategy = properties.getStrategy();
        long small = nonNegative("strategy.small-threshold", strategy.getSmallThreshold());
        long large = nonNegative("strategy.large-threshold", strategy.getLargeThreshold());
        if (large < small) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + "strategy.large-threshold",
                    "must be at least strategy.small-threshold (" + strategy.getSmallThreshold() + ")",
                    strategy.getLargeThreshold().toString(),
                    "Raise pinned-memory.strategy.large-threshold or lower pinned-memory.strategy.small-threshold.");
        }
        if (strategy.getReuseThreshold() < 1) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + "strategy.reuse-threshold", "must be at least 1",
                    String.valueOf(strategy.getReuseThreshold()), "Set pinned-memory.strategy.reuse-threshold to 1 or more (default 8).");
        }
        return new PinningStrategySelector(small, large, strategy.getReuseThreshold());
    }

    private static PoolSpec pool(String name, PinnedMemoryProperties.Pool pool) {
        String prefix = PREFIX + "pools." + name + ".";
        ElementType<?> type;
        try {
            type = ElementType.valueOf(String.valueOf(pool.getElementType()));
        } catch (IllegalArgumentException ex) {
            throw oneOf("pools." + name + ".element-type", pool.getElementType(), ELEMENT_TYPES);
        }
        DataSize size = pool.getBufferSize();
        long bytes = (size != null) ? size.toBytes() : 0;
        String fix = "Set " + prefix + "buffer-size to a positive multiple of " + type.byteSize() + " bytes (the size of "
                + type.configName() + "), e.g. 4MB.";
        if (bytes <= 0) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "buffer-size", "must be positive", String.valueOf(size), fix);
        }
        if (bytes % type.byteSize() != 0) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "buffer-size",
                    "must be a multiple of " + type.byteSize() + " bytes", size.toString(), fix);
        }
        if (bytes / type.byteSize() > Integer.MAX_VALUE) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "buffer-size",
                    "must be at most " + Integer.MAX_VALUE + " " + type.configName() + " elements", size.toString(), fix);
        }
        if (pool.getInitialSize() < 0) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "initial-size", "must be 0 or more",
                    String.valueOf(pool.getInitialSize()), "Set " + prefix + "initial-size to 0 or more (default 0).");
        }
        if (pool.getMaxSize() < 0) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "max-size", "must be 0 or more",
                    String.valueOf(pool.getMaxSize()), "Set " + prefix + "max-size to 0 or more (default 20).");
        }
        if (pool.getMaxSize() < pool.getInitialSize()) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "max-size",
                    "must be at least initial-size (" + pool.getInitialSize() + ")", String.valueOf(pool.getMaxSize()),
                    "Raise " + prefix + "max-size or lower " + prefix + "initial-size.");
        }
        return new PoolSpec(name, type, (int) (bytes / type.byteSize()), pool.getInitialSize(), pool.getMaxSize(),
                pool.isClearOnReturn());
    }

    private static void checkBudget(long budget, Map<String, PoolSpec> pools) {
        long needed = 0;
        StringJoiner parts = new StringJoiner(", ");
        for (PoolSpec pool : pools.values()) {
            long bytes = (long) pool.bufferLength() * pool.elementType().byteSize();
            if (pool.initialSize() > 0) {
                needed += pool.initialSize() * bytes;
                parts.add(pool.name() + " " + pool.initialSize() + " x " + DataSize.ofBytes(bytes));
            }
        }
        if (budget > 0 && needed > budget) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + "max-total-size",
                    "must hold the initial buffers of all pools (" + DataSize.ofBytes(needed) + ": " + parts + ")",
                    DataSize.ofBytes(budget).toString(),
                    "Raise pinned-memory.max-total-size to at least " + needed + "B (or 0 for no limit), "
                            + "or lower the pools' initial-size or buffer-size.");
        }
    }

    private static long nonNegative(String property, DataSize size) {
        long bytes = (size != null) ? size.toBytes() : 0;
        if (bytes < 0) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + property, "must be 0 or more", size.toString(),
                    "Set " + PREFIX + property + " to a size of 0 or more, e.g. 1KB.");
        }
        return bytes;
    }

    private static InvalidPinnedMemoryPropertyException oneOf(String property, String value, String allowed) {
        return new InvalidPinnedMemoryPropertyException(PREFIX + property, "must be one of " + allowed, "'" + value + "'",
                "Set " + PREFIX + property + " to one of: " + allowed + ".");
    }
}
