package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.backend.BackendKind;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for pinned memory ({@code pinned-memory.*}): the backend, leak
 * detection, the budget, the strategy thresholds and the named pools. The shape of the YAML, and
 * the source of the IDE's completion (configuration metadata).
 *
 * <p>Bound once for the pools, at start-up, by the registrars of the pool beans
 * ({@link PoolBeanRegistrar}), and turned at once into the immutable, validated
 * {@link PinnedMemorySettings} that every other part reads; each pool's values become the core's
 * {@code PoolSettings}, whose rules they must pass. Every rule is checked in that one step, before
 * any bean is created, and every message names the full property path including the pool's name; a
 * failure is an {@link InvalidPinnedMemoryPropertyException}. The auto-configuration also enables
 * it as a configuration properties bean
 * ({@code pinned-memory-dev.pinnedmemory.autoconfigure.PinnedMemoryProperties}, bound by Spring
 * Boot), which {@code /actuator/configprops} lists; changing that bean later changes nothing. Owns
 * no memory; not thread-safe while being bound.
 */
@ConfigurationProperties(PinnedMemoryProperties.PREFIX)
public class PinnedMemoryProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "pinned-memory";

    /** Name of the pool created when no pool is configured. */
    public static final String DEFAULT_POOL_NAME = "default";

    /** Whether to enable pinned memory auto-configuration. */
    private boolean enabled = true;

    /**
     * Backend that provides the memory: the first that works of cuda, mlock and unlocked (auto),
     * or one of them, or cuda-register (own memory registered with cudaHostRegister; never chosen by auto).
     */
    private BackendKind backend = BackendKind.AUTO;

    /** Whether to fail start-up rather than fall back to memory that is not page-locked. */
    private boolean requirePageLocked = false;

    /** How leaked buffers and pools never closed are reported; paranoid also records where each buffer was rented. */
    private LeakDetectionLevel leakDetection = LeakDetectionLevel.SIMPLE;

    /** Most pinned bytes all pools may hold together; 0 means unlimited. */
    private DataSize maxTotalSize = DataSize.ofBytes(0);

    /**
     * NUMA node for the pools' memory, unless a pool sets its own: none (wherever the kernel or
     * driver puts it), auto (the CUDA device's node, when the machine says which) or a node number.
     */
    private String numaNode = "none";

    /**
     * How long a transfer fence (closeAfter) may stay pending before it is logged at WARN, counted
     * as stuck and turns the health to STUCK_TRANSFERS; the default of every pool's fence-warn-after.
     */
    private Duration fenceWarnAfter = Duration.ofSeconds(10);

    /** Thresholds of the pinning strategy selector used by the helper. */
    private final Strategy strategy = new Strategy();

    /**
     * Named pools; one PinnedMemoryPool bean each. When empty, one pool named 'default' is
     * created. Keys of each entry: element-type (byte, short, char, int, long, float or double;
     * default byte), buffer-size (bytes, a multiple of the element size; default 1MB),
     * min-buffer-size (smallest size class for rents by length; default none), initial-size
     * (buffers locked at start-up; default 0), max-size (most idle buffers kept per size; default
     * 20), clear-on-return (zero buffers before reuse; default true), max-wait (how long
     * rentWaiting() waits for memory; default 0), write-combined (cuda only; default false),
     * strict-segments (kept segments fail after close; default false), numa-node (none, auto or a
     * node number; default pinned-memory.numa-node), fence-warn-after (when a pending transfer
     * fence counts as stuck; default pinned-memory.fence-warn-after).
     */
    private Map<String, Pool> pools = new LinkedHashMap<>();

    public String getNumaNode() {
        return this.numaNode;
    }

    public void setNumaNode(String numaNode) {
        this.numaNode = numaNode;
    }

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public BackendKind getBackend() {
        return this.backend;
    }

    public void setBackend(BackendKind backend) {
        this.backend = backend;
    }

    public boolean isRequirePageLocked() {
        return this.requirePageLocked;
    }

    public void setRequirePageLocked(boolean requirePageLocked) {
        this.requirePageLocked = requirePageLocked;
    }

    public LeakDetectionLevel getLeakDetection() {
        return this.leakDetection;
    }

    public void setLeakDetection(LeakDetectionLevel leakDetection) {
        this.leakDetection = leakDetection;
    }

    public DataSize getMaxTotalSize() {
        return this.maxTotalSize;
    }

    public void setMaxTotalSize(DataSize maxTotalSize) {
        this.maxTotalSize = maxTotalSize;
    }

    public Duration getFenceWarnAfter() {
        return this.fenceWarnAfter;
    }

    public void setFenceWarnAfter(Duration fenceWarnAfter) {
        this.fenceWarnAfter = fenceWarnAfter;
    }

    public Strategy getStrategy() {
        return this.strategy;
    }

    public Map<String, Pool> getPools() {
        return this.pools;
    }

    public void setPools(Map<String, Pool> pools) {
        this.pools = pools;
    }

    /**
     * Thresholds that choose how the helper pins memory ({@code pinned-memory.strategy.*}).
     * Mutable while bound; not thread-safe.
     */
    public static class Strategy {

        /** Buffers below this size are not pinned at all. */
        private DataSize smallThreshold = DataSize.ofKilobytes(1);

        /** Buffers from this size get a dedicated off-heap buffer instead of a pinned array. */
        private DataSize largeThreshold = DataSize.ofMegabytes(1);

        /** Expected reuses from which a pooled buffer is used. */
        private int reuseThreshold = 8;

        public DataSize getSmallThreshold() {
            return this.smallThreshold;
        }

        public void setSmallThreshold(DataSize smallThreshold) {
            this.smallThreshold = smallThreshold;
        }

        public DataSize getLargeThreshold() {
            return this.largeThreshold;
        }

        public void setLargeThreshold(DataSize largeThreshold) {
            this.largeThreshold = largeThreshold;
        }

        public int getReuseThreshold() {
            return this.reuseThreshold;
        }

        public void setReuseThreshold(int reuseThreshold) {
            this.reuseThreshold = reuseThreshold;
        }
    }

    /**
     * One named pool ({@code pinned-memory.pools.<name>.*}). Mutable while bound; not thread-safe.
     */
    public static class Pool {

        /** Element type of the buffers: byte, short, char, int, long, float or double. */
        private String elementType = "byte";

        /** Size of each buffer in bytes, the largest size class; a multiple of the element size. */
        private DataSize bufferSize = DataSize.ofMegabytes(1);

        /**
         * Smallest size class in bytes, for rents by length: rent(length) is then served by the
         * smallest class that holds it, at most 25% larger. Unset: one buffer size only.
         */
        private @Nullable DataSize minBufferSize;

        /** Buffers allocated at start-up, before the application reports itself ready. */
        private int initialSize = 0;

        /** Most idle buffers kept per buffer size (at most 65536); further returned buffers are freed. */
        private int maxSize = 20;

        /** Whether returned buffers are zeroed before they are rented again. */
        private boolean clearOnReturn = true;

        /**
         * How long rentWaiting() waits for memory when the budget is spent (a buffer returned, a
         * transfer fence completed, another pool freeing memory); 0 fails at once. rent() never waits.
         */
        private Duration maxWait = Duration.ZERO;

        /**
         * Whether to allocate write-combined memory (cuda backend only: faster host-to-device
         * staging, very slow for the CPU to read). Other backends ignore it.
         */
        private boolean writeCombined = false;

        /**
         * Whether each rent gets a segment of its own that fails once the buffer is closed, instead
         * of the pooled memory itself. Costs an arena per rent.
         */
        private boolean strictSegments = false;

        /**
         * NUMA node for this pool's memory: none, auto (the CUDA device's node) or a node number;
         * unset takes pinned-memory.numa-node. With the cuda backend a placed pool's memory is
         * registered with cudaHostRegister (cuda-register).
         */
        private @Nullable String numaNode;

        /**
         * How long a transfer fence may stay pending before it is logged, counted as stuck and
         * turns the health to STUCK_TRANSFERS; its buffer stays held. Default:
         * pinned-memory.fence-warn-after (10s).
         */
        private @Nullable Duration fenceWarnAfter;

        public String getElementType() {
            return this.elementType;
        }

        public void setElementType(String elementType) {
            this.elementType = elementType;
        }

        public DataSize getBufferSize() {
            return this.bufferSize;
        }

        public void setBufferSize(DataSize bufferSize) {
            this.bufferSize = bufferSize;
        }

        public @Nullable DataSize getMinBufferSize() {
            return this.minBufferSize;
        }

        public void setMinBufferSize(@Nullable DataSize minBufferSize) {
            this.minBufferSize = minBufferSize;
        }

        public int getInitialSize() {
            return this.initialSize;
        }

        public void setInitialSize(int initialSize) {
            this.initialSize = initialSize;
        }

        public int getMaxSize() {
            return this.maxSize;
        }

        public void setMaxSize(int maxSize) {
            this.maxSize = maxSize;
        }

        public boolean isClearOnReturn() {
            return this.clearOnReturn;
        }

        public void setClearOnReturn(boolean clearOnReturn) {
            this.clearOnReturn = clearOnReturn;
        }

        public Duration getMaxWait() {
            return this.maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        public boolean isWriteCombined() {
            return this.writeCombined;
        }

        public void setWriteCombined(boolean writeCombined) {
            this.writeCombined = writeCombined;
        }

        public boolean isStrictSegments() {
            return this.strictSegments;
        }

        public void setStrictSegments(boolean strictSegments) {
            this.strictSegments = strictSegments;
        }

        public @Nullable String getNumaNode() {
            return this.numaNode;
        }

        public void setNumaNode(@Nullable String numaNode) {
            this.numaNode = numaNode;
        }

        public @Nullable Duration getFenceWarnAfter() {
            return this.fenceWarnAfter;
        }

        public void setFenceWarnAfter(@Nullable Duration fenceWarnAfter) {
            this.fenceWarnAfter = fenceWarnAfter;
        }
    }
}
