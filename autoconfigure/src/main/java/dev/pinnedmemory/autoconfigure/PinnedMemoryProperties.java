package dev.pinnedmemory.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for pinned memory ({@code pinned-memory.*}): the backend, leak
 * detection, the budget, the strategy thresholds and the named pools.
 *
 * <p>A mutable bean filled by Spring's binder; owns no memory. Not thread-safe while being bound,
 * read-only afterwards. Rules that span several properties (a buffer size that must be a multiple
 * of the element size, pools that together exceed the budget) are all checked in one pass once
 * binding is complete, before any bean is created, so that every message can name the full
 * property path, including the pool's name; a failure is an
 * {@link InvalidPinnedMemoryPropertyException}.
 */
@ConfigurationProperties(PinnedMemoryProperties.PREFIX)
public class PinnedMemoryProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "pinned-memory";

    /** Name of the pool created when no pool is configured. */
    public static final String DEFAULT_POOL_NAME = "default";

    /** Whether to enable pinned memory auto-configuration. */
    private boolean enabled = true;

    /** Backend that provides the memory: auto, cuda, mlock or unlocked. */
    private String backend = "auto";

    /** Whether to fail start-up rather than fall back to memory that is not page-locked. */
    private boolean requirePageLocked = false;

    /** How leaked buffers are reported: disabled, simple or paranoid (records allocation stacks). */
    private String leakDetection = "simple";

    /** Most pinned bytes all pools may hold together; 0 means unlimited. */
    private DataSize maxTotalSize = DataSize.ofBytes(0);

    /** Thresholds of the pinning strategy selector used by the helper. */
    private final Strategy strategy = new Strategy();

    /**
     * Named pools; one PinnedMemoryPool bean each. When empty, one pool named 'default' is
     * created. Keys of each entry: element-type (byte, short, char, int, long, float or double;
     * default byte), buffer-size (bytes, a multiple of the element size; default 1MB),
     * initial-size (buffers locked at start-up; default 0), max-size (most idle buffers kept;
     * default 20), clear-on-return (zero buffers before reuse; default true).
     */
    private Map<String, Pool> pools = new LinkedHashMap<>();

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getBackend() {
        return this.backend;
    }

    public void setBackend(String backend) {
        this.backend = backend;
    }

    public boolean isRequirePageLocked() {
        return this.requirePageLocked;
    }

    public void setRequirePageLocked(boolean requirePageLocked) {
        this.requirePageLocked = requirePageLocked;
    }

    public String getLeakDetection() {
        return this.leakDetection;
    }

    public void setLeakDetection(String leakDetection) {
        this.leakDetection = leakDetection;
    }

    public DataSize getMaxTotalSize() {
        return this.maxTotalSize;
    }

    public void setMaxTotalSize(DataSize maxTotalSize) {
        this.maxTotalSize = maxTotalSize;
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

        /** Size of each buffer in bytes; a multiple of the element size. */
        private DataSize bufferSize = DataSize.ofMegabytes(1);

        /** Buffers allocated at start-up, before the application reports itself ready. */
        private int initialSize = 0;

        /** Most idle buffers kept; further returned buffers are freed. */
        private int maxSize = 20;

        /** Whether returned buffers are zeroed before they are rented again. */
        private boolean clearOnReturn = true;

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
    }
}
