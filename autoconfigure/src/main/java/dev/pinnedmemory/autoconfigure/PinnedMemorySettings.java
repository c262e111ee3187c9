package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.InvalidPoolSettingException;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaTopology;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The validated, immutable pinned memory configuration: {@code pinned-memory.*} bound once into
 * {@link PinnedMemoryProperties} and turned once into this by {@link #of(PinnedMemoryProperties)};
 * the pool beans, the backend selection, the budget, the helper and the health contributor all
 * read this value. Each pool is the core's {@link PoolSettings}, built as the pool will run with it.
 * A bean of the context; owns no memory. Immutable and thread-safe.
 *
 * <p>{@link #of} only converts what the YAML gives (strings to an element type and a NUMA node,
 * {@code DataSize} to bytes, unset values to the global defaults) and hands each pool's values to
 * {@link PoolSettings#builder}, where a pool's rules live and run once; a core
 * {@link InvalidPoolSettingException} is reported as an {@link InvalidPinnedMemoryPropertyException}
 * for {@code pinned-memory.pools.<name>.<property>} (or the global property a pool inherited), with
 * the core's rule and value, setting names written as properties. Checked here is only what is no
 * pool's setting: the budget, the strategy, and the budget against the initial buffers of all pools.
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

    /** The element types as {@code element-type} takes them. */
    static final String ELEMENT_TYPES = "byte, short, char, int, long, float, double";

    private static final String PREFIX = PinnedMemoryProperties.PREFIX + ".";

    private static final Pattern SETTING_NAME = Pattern.compile("\\b[a-z]+(?:[A-Z][a-z]*)+\\b");

    /**
     * {@return the settings of {@code properties}, every rule checked}
     *
     * @throws InvalidPinnedMemoryPropertyException for the first value that breaks a rule, naming
     *     the property, the rule, the value and the fix
     */
    public static PinnedMemorySettings of(PinnedMemoryProperties properties) {
        long budget = maxTotalBytes(properties);
        PinningStrategySelector selector = selector(properties);
        Map<String, PoolSettings<?>> pools = new LinkedHashMap<>();
        Map<String, PinnedMemoryProperties.Pool> configured = properties.getPools().isEmpty()
                ? Map.of(PinnedMemoryProperties.DEFAULT_POOL_NAME, new PinnedMemoryProperties.Pool())
                : properties.getPools();
        NumaNode numaNode = numaNode(PREFIX + "numa-node", properties.getNumaNode());
        configured.forEach((name, pool) -> pools.put(name, pool(name, pool, properties, numaNode)));
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

    /** {@return the node {@code value} names: none, auto or a number}; whether it is online is the core's rule */
    private static NumaNode numaNode(String property, @Nullable String value) {
        try {
            return NumaNode.parse(String.valueOf(value));
        } catch (IllegalArgumentException ex) {
            String nodes = NumaTopology.system().onlineNodes().stream().map(String::valueOf).collect(Collectors.joining(", "));
            throw new InvalidPinnedMemoryPropertyException(property, "must be none, auto or a NUMA node number",
                    "'" + value + "'", "Set " + property + " to none, auto or one of the online NUMA nodes: " + nodes + ".");
        }
    }

    private static PoolSettings<?> pool(String name, PinnedMemoryProperties.Pool pool, PinnedMemoryProperties properties,
                                        NumaNode globalNode) {
        String prefix = PREFIX + "pools." + name + ".";
        ElementType<?> type;
        try {
            type = ElementType.valueOf(String.valueOf(pool.getElementType()));
        } catch (IllegalArgumentException ex) {
            throw new InvalidPinnedMemoryPropertyException(prefix + "element-type", "must be one of " + ELEMENT_TYPES,
                    "'" + pool.getElementType() + "'", "Set " + prefix + "element-type to one of: " + ELEMENT_TYPES + ".");
        }
        PoolSettings.Builder<?> settings = PoolSettings.builder(type).name(name)
                .bufferSizeInBytes(bytes(pool.getBufferSize()))
                .minBufferSizeInBytes(bytes(pool.getMinBufferSize()))
                .initialSize(pool.getInitialSize())
                .maxSize(pool.getMaxSize())
                .clearOnReturn(pool.isClearOnReturn())
                .maxWait(pool.getMaxWait() != null ? pool.getMaxWait() : Duration.ZERO)
                .writeCombined(pool.isWriteCombined())
                .strictSegments(pool.isStrictSegments())
                .leakDetection(properties.getLeakDetection())
                .numaNode(pool.getNumaNode() == null ? globalNode : numaNode(prefix + "numa-node", pool.getNumaNode()))
                .fenceWarnAfter(pool.getFenceWarnAfter() != null ? pool.getFenceWarnAfter()
                        : Objects.requireNonNullElse(properties.getFenceWarnAfter(), Duration.ZERO));
        try {
            return settings.build();
        } catch (InvalidPoolSettingException invalid) {
            // A pool that sets no numa-node or fence-warn-after of its own inherits the global one.
            boolean inherited = invalid.field().equals("numaNode") && pool.getNumaNode() == null
                    || invalid.field().equals("fenceWarnAfter") && pool.getFenceWarnAfter() == null;
            String property = (inherited ? PREFIX : prefix) + kebab(invalid.field());
            throw new InvalidPinnedMemoryPropertyException(property, kebab(invalid.rule()), invalid.value(),
                    "Set " + property + " to " + kebab(invalid.expected()) + ".");
        }
    }

    /** {@return {@code text} with the core's setting names ({@code bufferSize}) written as properties ({@code buffer-size})} */
    static String kebab(String text) {
        return SETTING_NAME.matcher(text).replaceAll(match -> match.group().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
    }

    private static long bytes(@Nullable DataSize size) {
        return (size != null) ? size.toBytes() : 0;
    }

    private static void checkBudget(long budget, Map<String, PoolSettings<?>> pools) {
        long needed = 0;
        StringJoiner parts = new StringJoiner(", ");
        for (PoolSettings<?> pool : pools.values()) {
            long bytes = (long) pool.bufferLength() * pool.type().byteSize();
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
