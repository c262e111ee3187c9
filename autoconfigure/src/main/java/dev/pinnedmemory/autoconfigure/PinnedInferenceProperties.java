package dev.pinnedmemory.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of the Open Inference Protocol server ({@code pinned-memory.inference.*}), which
 * {@link PinnedInferenceAutoConfiguration} builds when {@code pinned-memory-inference} is on the class path
 * and the application has {@code InferenceModel} beans. Bound once at start-up; each setter checks its rule
 * and names the property, the rule and the value ({@link InvalidPinnedMemoryPropertyException}). Owns no
 * memory; not thread-safe while being bound.
 */
@ConfigurationProperties(PinnedInferenceProperties.PREFIX)
public class PinnedInferenceProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "pinned-memory.inference";

    /** Name of the pool input tensors come from when none is named and it exists. */
    public static final String DEFAULT_POOL = "tensors";

    /** Whether to serve the application's InferenceModel beans over the Open Inference Protocol. */
    private boolean enabled = true;

    /**
     * Byte pool (pinned-memory.pools.<name>, element-type byte) whose leases hold the input tensors; its
     * buffer-size is the largest tensor accepted (413 beyond) and its max-wait how long a request waits for
     * memory (503 after). Default: the pool named 'tensors', else the only byte pool.
     */
    private @Nullable String pool;

    /** Most inputs one request may declare. */
    private int maxInputs = 64;

    /**
     * Most bytes of a REST request's JSON: its Inference-Header-Content-Length, or the whole body when it is
     * all JSON. Tensor data sent as binary does not count.
     */
    private DataSize maxHeaderSize = DataSize.ofMegabytes(64);

    /** The REST transport. */
    private final Rest rest = new Rest();

    private final Grpc grpc = new Grpc();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public @Nullable String getPool() {
        return pool;
    }

    public void setPool(@Nullable String pool) {
        if (pool != null && pool.isBlank()) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + ".pool", "must name a byte pool", "'" + pool + "'",
                    "Name one of the pools under pinned-memory.pools, or remove the property to use 'tensors' or the only byte pool.");
        }
        this.pool = pool;
    }

    public int getMaxInputs() {
        return maxInputs;
    }

    public void setMaxInputs(int maxInputs) {
        if (maxInputs < 1) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + ".max-inputs", "must be at least 1",
                    Integer.toString(maxInputs), "Set pinned-memory.inference.max-inputs to the most inputs a model takes, e.g. 64.");
        }
        this.maxInputs = maxInputs;
    }

    public DataSize getMaxHeaderSize() {
        return maxHeaderSize;
    }

    public void setMaxHeaderSize(DataSize maxHeaderSize) {
        if (maxHeaderSize.toBytes() < 1) {
            throw new InvalidPinnedMemoryPropertyException(PREFIX + ".max-header-size", "must be at least 1B",
                    maxHeaderSize.toBytes() + "B", "Set pinned-memory.inference.max-header-size to a data size such as 64MB.");
        }
        this.maxHeaderSize = maxHeaderSize;
    }

    public Rest getRest() {
        return rest;
    }

    public Grpc getGrpc() {
        return grpc;
    }

    /** The REST transport's properties. */
    public static class Rest {

        /** Whether to serve the protocol's REST endpoints (/v2/...) on Spring MVC. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /**
     * The gRPC transport's properties. The server's own settings (port, address, TLS, keep-alive) are
     * Spring gRPC's {@code spring.grpc.server.*}.
     */
    public static class Grpc {

        /** Whether to serve the models over gRPC (inference.GRPCInferenceService) on Spring gRPC's server. */
        private boolean enabled = true;

        /**
         * Largest ModelInfer request, tensors included; larger ones are refused with RESOURCE_EXHAUSTED before
         * their bytes are read. Default: the tensor pool's largest buffer times max-inputs, plus max-header-size,
         * at most 2GB - 1 byte (gRPC's largest message). Spring gRPC's max-inbound-message-size is raised to it.
         */
        private @Nullable DataSize maxMessageSize;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable DataSize getMaxMessageSize() {
            return maxMessageSize;
        }

        public void setMaxMessageSize(@Nullable DataSize maxMessageSize) {
            if (maxMessageSize != null && (maxMessageSize.toBytes() < 1 || maxMessageSize.toBytes() > Integer.MAX_VALUE)) {
                throw new InvalidPinnedMemoryPropertyException(PREFIX + ".grpc.max-message-size",
                        "must be from 1B to " + Integer.MAX_VALUE + "B (gRPC's largest message)", maxMessageSize.toBytes() + "B",
                        "Set pinned-memory.inference.grpc.max-message-size to a data size such as 512MB, or leave it unset.");
            }
            this.maxMessageSize = maxMessageSize;
        }
    }
}
