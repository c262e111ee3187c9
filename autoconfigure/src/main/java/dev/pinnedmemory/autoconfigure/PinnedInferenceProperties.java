package dev.pinnedmemory.autoconfigure;

import java.time.Duration;

import dev.pinnedmemory.inference.grpc.NettyFrameSize;

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

    /** Triton's system shared memory extension: co-located clients' tensors in regions of /dev/shm. */
    private final SharedMemory sharedMemory = new SharedMemory();

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

    public SharedMemory getSharedMemory() {
        return sharedMemory;
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

        /**
         * HTTP/2 frame size Spring gRPC's Netty server advertises (SETTINGS_MAX_FRAME_SIZE), so that clients send
         * large tensors in fewer frames: from 16KB (HTTP/2's default: the server is left as Spring gRPC made it) to
         * 16777215B. The server then runs on event loops of the starter's own (epoll where it loads, else NIO); TLS
         * stays Spring gRPC's. Any client may make each connection hold up to about twice this size of Netty's
         * direct memory (a frame is held whole before it is read).
         */
        private DataSize maxFrameSize = DataSize.ofMegabytes(1);

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

        public DataSize getMaxFrameSize() {
            return maxFrameSize;
        }

        public void setMaxFrameSize(DataSize maxFrameSize) {
            if (maxFrameSize.toBytes() < NettyFrameSize.HTTP2_DEFAULT_BYTES || maxFrameSize.toBytes() > NettyFrameSize.HTTP2_MAX_BYTES) {
                throw new InvalidPinnedMemoryPropertyException(PREFIX + ".grpc.max-frame-size",
                        "must be from " + NettyFrameSize.HTTP2_DEFAULT_BYTES + "B (16KB, HTTP/2's default) to "
                                + NettyFrameSize.HTTP2_MAX_BYTES + "B (HTTP/2's largest frame)", maxFrameSize.toBytes() + "B",
                        "Set pinned-memory.inference.grpc.max-frame-size to a data size such as 1MB, or 16KB to keep HTTP/2's default.");
            }
            this.maxFrameSize = maxFrameSize;
        }
    }

    /**
     * The system shared memory extension's properties: off unless enabled, like Triton's --allow-client-shm. Every
     * registered region is mapped, page-locked by the pools' backend and counted against pinned-memory.max-total-size.
     */
    public static class SharedMemory {

        /**
         * Whether clients on this machine may register system shared memory regions (/dev/shm objects) and send
         * tensors in them. Off: the endpoints answer 403 (gRPC PERMISSION_DENIED) and the server metadata does not
         * list system_shared_memory.
         */
        private boolean enabled = false;

        /** Most regions registered at once; a region being unregistered counts until its requests end. */
        private int maxRegions = 16;

        /** Most bytes of all registered regions together (each is also counted against pinned-memory.max-total-size). */
        private DataSize maxTotalSize = DataSize.ofGigabytes(1);

        /**
         * How long an unregister waits for the requests that use its region; after it, the region takes no new
         * request and is unmapped when the last one ends.
         */
        private Duration unregisterTimeout = Duration.ofSeconds(30);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxRegions() {
            return maxRegions;
        }

        public void setMaxRegions(int maxRegions) {
            if (maxRegions < 1) {
                throw new InvalidPinnedMemoryPropertyException(PREFIX + ".shared-memory.max-regions", "must be at least 1",
                        Integer.toString(maxRegions), "Set pinned-memory.inference.shared-memory.max-regions to the most "
                        + "regions clients register at once, e.g. 16, or switch the extension off with enabled: false.");
            }
            this.maxRegions = maxRegions;
        }

        public DataSize getMaxTotalSize() {
            return maxTotalSize;
        }

        public void setMaxTotalSize(DataSize maxTotalSize) {
            if (maxTotalSize.toBytes() < 1) {
                throw new InvalidPinnedMemoryPropertyException(PREFIX + ".shared-memory.max-total-size", "must be at least 1B",
                        maxTotalSize.toBytes() + "B", "Set pinned-memory.inference.shared-memory.max-total-size to a data size "
                        + "such as 1GB.");
            }
            this.maxTotalSize = maxTotalSize;
        }

        public Duration getUnregisterTimeout() {
            return unregisterTimeout;
        }

        public void setUnregisterTimeout(Duration unregisterTimeout) {
            if (unregisterTimeout.isNegative()) {
                throw new InvalidPinnedMemoryPropertyException(PREFIX + ".shared-memory.unregister-timeout",
                        "must be 0 or more", unregisterTimeout.toString(), "Set pinned-memory.inference.shared-memory."
                        + "unregister-timeout to a duration such as 30s.");
            }
            this.unregisterTimeout = unregisterTimeout;
        }
    }
}
