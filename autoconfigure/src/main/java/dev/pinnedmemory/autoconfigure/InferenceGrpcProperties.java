package dev.pinnedmemory.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The Open Inference Protocol over gRPC ({@code pinned-memory.inference.grpc.*}): whether the inference
 * models are served as {@code inference.GRPCInferenceService} on Spring gRPC's server, and its largest
 * request. The server's own settings (port, address, TLS, keep-alive) are Spring gRPC's
 * {@code spring.grpc.server.*}. Bound once at start-up; not thread-safe while it is bound, read-only after.
 */
@ConfigurationProperties("pinned-memory.inference.grpc")
public final class InferenceGrpcProperties {

    /** Whether to serve the inference models over gRPC (inference.GRPCInferenceService) on Spring gRPC's server. */
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
            throw new IllegalArgumentException("'max-message-size' must be from 1B to " + Integer.MAX_VALUE
                    + "B (gRPC's largest message) but was " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
    }
}
