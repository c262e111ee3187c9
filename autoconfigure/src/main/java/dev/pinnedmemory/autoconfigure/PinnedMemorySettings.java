package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.Map;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.PageLockingBackend;

import org.springframework.core.ResolvableType;

/**
 * The validated, immutable pinned memory configuration: {@code pinned-memory.*} bound once into
 * {@link PinnedMemoryProperties} and checked once by {@link #of(PinnedMemoryProperties)}; the pool
 * beans, the backend selection, the budget, the helper and the health contributor all read this
 * value. Sizes are converted to what the core counts (bytes for the budget, elements for buffers).
 * A bean of the context; owns no memory. Immutable and thread-safe.
 *
 * @param backend the backend to select ({@code pinned-memory.backend})
 * @param requirePageLocked whether falling back to memory that is not page-locked fails start-up
 * @param leakDetection how leaks are reported
 * @param maxTotalBytes the budget over all pools in bytes; 0 for unlimited
 * @param strategy the helper's strategy thresholds
 * @param pools the pools to create, by name, in configuration order (the {@code default} pool when none is configured)
 */
public record PinnedMemorySettings(BackendKind backend, boolean requirePageLocked, LeakDetectionLevel leakDetection,
                                   long maxTotalBytes, PinningStrategySelector strategy, Map<String, Pool> pools) {

    /** Copies {@code pools}, keeping their order. */
    public PinnedMemorySettings {
        pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
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

    /**
     * One pool's settings ({@code pinned-memory.pools.<name>.*}), lengths in elements.
     *
     * @param name the pool's name, its qualifier
     * @param elementType the element type
     * @param bufferLength elements per buffer (the largest size class)
     * @param minBufferLength the smallest size class in elements, 0 for one size only
     * @param initialSize buffers allocated before the application is ready
     * @param maxSize most idle buffers kept per size
     * @param clearOnReturn whether a buffer is zeroed before it is rented again
     * @param maxWait how long {@link PinnedMemoryPool#rentWaiting()} waits for memory
     * @param writeCombined whether to allocate write-combined memory (cuda)
     * @param strictSegments whether each lease's segment fails after close
     * @param numaNode the NUMA node for the pool's memory ({@code numa-node}, or the global one)
     * @param fenceWarnAfter how long a transfer fence may be pending before it counts as stuck
     */
    public record Pool(String name, ElementType<?> elementType, int bufferLength, int minBufferLength, int initialSize,
                       int maxSize, boolean clearOnReturn, Duration maxWait, boolean writeCombined,
                       boolean strictSegments, NumaNode numaNode, Duration fenceWarnAfter) {

        /** {@return the bean name, e.g. {@code framesPinnedMemoryPool}} */
        public String beanName() {
            return beanName(this.name);
        }

        static String beanName(String poolName) {
            return poolName + "PinnedMemoryPool";
        }

        /** {@return {@code PinnedMemoryPool<float[]>} and so on, so the bean can be injected by its generic type} */
        ResolvableType beanType() {
            return ResolvableType.forClassWithGenerics(PinnedMemoryPool.class, this.elementType.arrayType());
        }

        /** {@return a new pool, with its {@code initialSize} buffers allocated before this returns}; the caller owns it */
        PinnedMemoryPool<?> build(PageLockingBackend backend, MemoryBudget budget, LeakDetectionLevel leakDetection) {
            return build(this.elementType, backend, budget, leakDetection);
        }

        private <A> PinnedMemoryPool<A> build(ElementType<A> type, PageLockingBackend backend, MemoryBudget budget,
                                              LeakDetectionLevel leakDetection) {
            return PinnedMemoryPool.builder(type)
                    .name(this.name)
                    .bufferSize(this.bufferLength)
                    .minBufferSize(this.minBufferLength)
                    .initialSize(this.initialSize)
                    .maxSize(this.maxSize)
                    .clearOnReturn(this.clearOnReturn)
                    .maxWait(this.maxWait)
                    .writeCombined(this.writeCombined)
                    .strictSegments(this.strictSegments)
                    .numaNode(this.numaNode)
                    .fenceWarnAfter(this.fenceWarnAfter)
                    .backend(backend)
                    .budget(budget)
                    .leakDetection(leakDetection)
                    .build();
        }
    }
}
