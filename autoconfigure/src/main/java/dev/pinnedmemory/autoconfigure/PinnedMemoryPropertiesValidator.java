package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaTopology;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * Turns {@link PinnedMemoryProperties} into {@link PinnedMemorySettings}, checking every rule once.
 * Every failure is an {@link InvalidPinnedMemoryPropertyException} naming the full property, the
 * rule, the value and the fix. The bytes-to-elements rule is the core's
 * ({@link ElementType#bufferSizeRule}), the same the Actuator endpoint applies. Stateless; thread-safe.
 */
final class PinnedMemoryPropertiesValidator {

    static final String ELEMENT_TYPES = "byte, short, char, int, long, float, double";

    private static final String PREFIX = PinnedMemoryProperties.PREFIX + ".";

    private PinnedMemoryPropertiesValidator() {
    }

    /**
     * Validates every property and the rules between them.
     *
     * @throws InvalidPinnedMemoryPropertyException for the first invalid value
     */
    static PinnedMemorySettings validate(PinnedMemoryProperties properties) {
        long budget = maxTotalBytes(properties);
        PinningStrategySelector selector = selector(properties);
        Map<String, PinnedMemorySettings.Pool> pools = new LinkedHashMap<>();
        Map<String, PinnedMemoryProperties.Pool> configured = properties.getPools().isEmpty()
                ? Map.of(PinnedMemoryProperties.DEFAULT_POOL_NAME, new PinnedMemoryProperties.Pool())
                : properties.getPools();
        NumaNode numaNode = numaNode(PREFIX + "numa-node", properties.getNumaNode());
        Duration fenceWarnAfter = fenceWarnAfter(PREFIX + "fence-warn-after", properties.getFenceWarnAfter());
        configured.forEach((name, pool) -> pools.put(name, pool(name, pool, numaNode, fenceWarnAfter)));
        checkBudget(budget, pools);
        return new PinnedMemorySettings(properties.getBackend(), properties.isRequirePageLocked(),
                properties.getLeakDetection(), budget, selector, pools);
    }

    private static long maxTotalBytes(PinnedMemoryProperties properties) {
        DataSize size = properties.getMaxTotalSize();
        long bytes = (size != null) ? size.toBytes() : 0;
        if (bytes < 0) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + "max-total-size", "must be 0 (unlimited) or positive",
                    size.toString(), "Set pinned-memory.max-total-size to a size such as 512MB, or to 0 for no limit.");
        }
        return bytes;
    }

    private static PinningStrategySelector selector(PinnedMemoryProperties properties) {
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

    /**
     * {@return the node {@code value} names}; a number must be an online node of this machine, so
     * a node that does not exist fails start-up here, naming the nodes there are
     */
    private static NumaNode numaNode(String property, @Nullable String value) {
        List<Integer> online = NumaTopology.system().onlineNodes();
        String nodes = online.stream().map(String::valueOf).collect(Collectors.joining(", "));
        NumaNode node;
        try {
            node = NumaNode.parse(String.valueOf(value));
        } catch (IllegalArgumentException ex) {
            throw new InvalidPinnedMemoryPropertyException(property, "must be none, auto or a NUMA node number",
                    "'" + value + "'", "Set " + property + " to none, auto or one of the online NUMA nodes: " + nodes + ".");
        }
        if (node.id() >= 0 && !online.contains(node.id())) {
            throw new InvalidPinnedMemoryPropertyException(property,
                    "must be an online NUMA node of this machine (" + nodes + ", from /sys/devices/system/node/online)",
                    String.valueOf(value), "Set " + property + " to one of " + nodes + ", to auto (the CUDA device's node) "
                            + "or to none.");
        }
        return node;
    }

    /** Longest {@code fence-warn-after}: 100 days. */
    static final Duration MAX_FENCE_WARN_AFTER = Duration.ofDays(100);

    private static Duration fenceWarnAfter(String property, @Nullable Duration value) {
        if (value == null || !value.isPositive() || value.compareTo(MAX_FENCE_WARN_AFTER) > 0) {
            throw new InvalidPinnedMemoryPropertyException(property, "must be more than 0 and at most 100d",
                    String.valueOf(value), "Set " + property + " to a duration such as 10s or 2m.");
        }
        return value;
    }

    private static PinnedMemorySettings.Pool pool(String name, PinnedMemoryProperties.Pool pool,
                                                  NumaNode globalNode, Duration defaultFenceWarnAfter) {
        String prefix = PREFIX + "pools." + name + ".";
        ElementType<?> type;
        try {
            type = ElementType.valueOf(String.valueOf(pool.getElementType()));
        } catch (IllegalArgumentException ex) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "element-type", "must be one of " + ELEMENT_TYPES,
                    "'" + pool.getElementType() + "'", "Set " + prefix + "element-type to one of: " + ELEMENT_TYPES + ".");
        }
        int length = length(prefix + "buffer-size", type, pool.getBufferSize(), "4MB");
        int minLength = 0;
        if (pool.getMinBufferSize() != null && pool.getMinBufferSize().toBytes() != 0) {
            minLength = length(prefix + "min-buffer-size", type, pool.getMinBufferSize(), "64KB");
            if (minLength > length) {
                throw new InvalidPinnedMemoryPropertyException(prefix + "min-buffer-size",
                        "must be at most buffer-size (" + pool.getBufferSize() + ")", pool.getMinBufferSize().toString(),
                        "Lower " + prefix + "min-buffer-size or raise " + prefix + "buffer-size.");
            }
        }
        int maxIdle = PinnedMemoryPool.MAX_IDLE_BUFFERS;
        if (pool.getMaxSize() < 0 || pool.getMaxSize() > maxIdle) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "max-size", "must be 0 to " + maxIdle,
                    String.valueOf(pool.getMaxSize()), "Set " + prefix + "max-size to 0 to " + maxIdle + " (default 20).");
        }
        if (pool.getInitialSize() < 0) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "initial-size", "must be 0 or more",
                    String.valueOf(pool.getInitialSize()), "Set " + prefix + "initial-size to 0 or more (default 0).");
        }
        if (pool.getMaxSize() < pool.getInitialSize()) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "max-size",
                    "must be at least initial-size (" + pool.getInitialSize() + ")", String.valueOf(pool.getMaxSize()),
                    "Raise " + prefix + "max-size or lower " + prefix + "initial-size.");
        }
        Duration maxWait = pool.getMaxWait() != null ? pool.getMaxWait() : Duration.ZERO;
        if (maxWait.isNegative()) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "max-wait", "must be 0 or more", maxWait.toString(),
                    "Set " + prefix + "max-wait to a duration such as 250ms, or 0 to fail at once.");
        }
        return new PinnedMemorySettings.Pool(name, type, length, minLength, pool.getInitialSize(), pool.getMaxSize(),
                pool.isClearOnReturn(), maxWait, pool.isWriteCombined(), pool.isStrictSegments(),
                pool.getNumaNode() == null ? globalNode : numaNode(prefix + "numa-node", pool.getNumaNode()),
                pool.getFenceWarnAfter() == null ? defaultFenceWarnAfter
                        : fenceWarnAfter(prefix + "fence-warn-after", pool.getFenceWarnAfter()));
    }

    /** The bytes-to-elements rule, applied to a configured size. */
    private static int length(String property, ElementType<?> type, @Nullable DataSize size, String example) {
        long bytes = (size != null) ? size.toBytes() : 0;
        String rule = type.bufferSizeRule(bytes);
        if (rule != null) {
            throw new InvalidPinnedMemoryPropertyException(property, rule, String.valueOf(size != null ? size : DataSize.ofBytes(0)),
                    "Set " + property + " to a positive multiple of " + type.byteSize() + " bytes (the size of "
                            + type.configName() + "), e.g. " + example + ".");
        }
        return (int) (bytes / type.byteSize());
    }

    private static void checkBudget(long budget, Map<String, PinnedMemorySettings.Pool> pools) {
        long needed = 0;
        StringJoiner parts = new StringJoiner(", ");
        for (PinnedMemorySettings.Pool pool : pools.values()) {
            long bytes = (long) pool.bufferLength() * pool.elementType().byteSize();
            if (pool.initialSize() > 0) {
                // At most 65536 x 2^31 x 8 bytes each; a sum past Long.MAX_VALUE is simply "too much".
                long poolBytes = pool.initialSize() * bytes;
                needed = needed > Long.MAX_VALUE - poolBytes ? Long.MAX_VALUE : needed + poolBytes;
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
}
