package dev.pinnedmemory.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import org.jspecify.annotations.Nullable;

/**
 * The Open Inference Protocol's rules, once, for every transport: the models by name and version, server
 * and model metadata, health, the repository index, and {@link #open} for an inference request, whose
 * {@link InferenceCall} checks the inputs against the model's metadata, rents their leases from the pool,
 * runs the model with meters and describes its outputs; and the system shared memory regions clients registered
 * ({@link #sharedMemory()}), which tensors may name instead of carrying their bytes. The REST endpoints
 * ({@code dev.pinnedmemory.inference.rest}) are one transport over it; gRPC is another.
 *
 * {@snippet :
 * InferenceServer server = InferenceServer.builder(tensorPool)     // a PinnedMemoryPool<byte[]>
 *         .models(List.of(new ScaleModel()))
 *         .build();
 * }
 *
 * <p>Ownership: the server refers to the pool, the models and the shared memory registry; whoever made them
 * (the application context) owns and closes them. Every lease the server rents belongs to one request and ends with it.
 *
 * <p>Thread-safe: immutable after {@link Builder#build()}; requests run concurrently.
 */
public final class InferenceServer {

    /** The extension every server here supports: Triton's binary tensor data in REST bodies. */
    public static final String BINARY_TENSOR_DATA = "binary_tensor_data";

    private final ModelRegistry models;
    private final PinnedMemoryPool<byte[]> pool;
    private final InferenceLimits limits;
    private final InferenceObserver observer;
    private final ServerMetadata metadata;
    private final SharedMemoryRegistry sharedMemory;

    private InferenceServer(Builder builder) {
        this.models = new ModelRegistry(builder.models);
        this.pool = builder.pool;
        this.limits = builder.limits;
        this.observer = builder.observer;
        this.sharedMemory = builder.sharedMemory;
        Set<String> extensions = new LinkedHashSet<>(builder.extensions);
        if (sharedMemory.isEnabled()) {
            extensions.add(SharedMemoryRegistry.EXTENSION);
        }
        this.metadata = new ServerMetadata(builder.name, builder.version, List.copyOf(extensions));
    }

    /**
     * {@return a builder for a server whose input tensors are leases of {@code pool}}
     *
     * @throws IllegalArgumentException if {@code pool} is not a pool of {@code BYTE} elements
     */
    public static Builder builder(PinnedMemoryPool<byte[]> pool) {
        Objects.requireNonNull(pool, "pool");
        if (pool.elementType() != ElementType.BYTE) {
            throw new IllegalArgumentException("tensors need a pool of BYTE elements, but pool '" + pool.name()
                    + "' holds " + pool.elementType() + " elements");
        }
        return new Builder(pool);
    }

    /** {@return the server's name, version and extensions} */
    public ServerMetadata metadata() {
        return metadata;
    }

    /** {@return whether the server can take requests: true while it exists (the protocol's "live")} */
    public boolean isLive() {
        return true;
    }

    /** {@return whether the server is ready: its pool is open (warm: its initial buffers were made when it was built) and every model is ready} */
    public boolean isReady() {
        if (pool.isClosed()) {
            return false;
        }
        for (ModelRegistry.Entry entry : models.entries()) {
            if (!entry.model().isReady()) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return the metadata of the model serving {@code name} at {@code version} (null or empty: its latest)}
     *
     * @throws InferenceException {@code NOT_FOUND} for an unknown model or version
     */
    public ModelMetadata modelMetadata(String name, @Nullable String version) {
        return models.resolve(name, version).entry().metadata();
    }

    /**
     * {@return whether the model serving {@code name} at {@code version} (null or empty: its latest) is ready}
     *
     * @throws InferenceException {@code NOT_FOUND} for an unknown model or version
     */
    public boolean isModelReady(String name, @Nullable String version) {
        return models.resolve(name, version).entry().model().isReady();
    }

    /** {@return every model's metadata, in the order the models were given} */
    public List<ModelMetadata> models() {
        return models.entries().stream().map(ModelRegistry.Entry::metadata).toList();
    }

    /**
     * {@return the repository index: one row per model and version, with its state}
     *
     * @param readyOnly whether to list only models that are ready
     */
    public List<ModelIndexEntry> repositoryIndex(boolean readyOnly) {
        List<ModelIndexEntry> index = new ArrayList<>();
        for (ModelRegistry.Entry entry : models.entries()) {
            boolean ready = entry.model().isReady();
            if (readyOnly && !ready) {
                continue;
            }
            String state = ready ? ModelIndexEntry.READY : ModelIndexEntry.UNAVAILABLE;
            String reason = ready ? "" : "the model says it is not ready";
            if (entry.metadata().versions().isEmpty()) {
                index.add(new ModelIndexEntry(entry.name(), null, state, reason));
            }
            for (String version : entry.metadata().versions().stream().sorted(ModelRegistry.VERSION_ORDER).toList()) {
                index.add(new ModelIndexEntry(entry.name(), version, state, reason));
            }
        }
        return index;
    }

    /**
     * Starts an inference request for the model serving {@code name} at {@code version} (null or empty:
     * its latest). The caller owns the call and must close it, after writing the response or when the
     * request fails: that ends every lease of the request.
     *
     * @throws InferenceException {@code NOT_FOUND} for an unknown model or version, {@code MODEL_NOT_READY}
     *     when the model is not ready
     */
    public InferenceCall open(String name, @Nullable String version) {
        ModelRegistry.Resolved resolved = models.resolve(name, version);
        if (!resolved.entry().model().isReady()) {
            throw new InferenceException(InferenceException.Reason.MODEL_NOT_READY, "model '" + name + "'"
                    + (resolved.version() == null ? "" : " version " + resolved.version()) + " is not ready");
        }
        return new InferenceCall(this, resolved, System.nanoTime());
    }

    /** {@return the pool input tensors are rented from} */
    public PinnedMemoryPool<byte[]> pool() {
        return pool;
    }

    /** {@return the largest tensor the pool takes, in bytes: its largest buffer} */
    public long maxTensorBytes() {
        return pool.bufferSize();
    }

    /** {@return the limits requests are held to} */
    public InferenceLimits limits() {
        return limits;
    }

    /** {@return the system shared memory regions clients registered; {@link SharedMemoryRegistry#disabled()} unless the builder was given one} */
    public SharedMemoryRegistry sharedMemory() {
        return sharedMemory;
    }

    InferenceObserver observer() {
        return observer;
    }

    @Override
    public String toString() {
        return "InferenceServer[models=" + models().stream().map(ModelMetadata::name).toList() + ", pool='" + pool.name()
                + "']";
    }

    /** {@return this library's version, as its jar was built} */
    static String libraryVersion() {
        try (InputStream in = InferenceServer.class.getResourceAsStream("inference.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Configures an {@link InferenceServer}: the pool (given), the models, the limits, the observer of
     * finished requests and what the server metadata says. Not thread-safe.
     */
    public static final class Builder {

        private final PinnedMemoryPool<byte[]> pool;
        private final List<InferenceModel> models = new ArrayList<>();
        private InferenceLimits limits = InferenceLimits.DEFAULTS;
        private InferenceObserver observer = InferenceObserver.NONE;
        private SharedMemoryRegistry sharedMemory = SharedMemoryRegistry.disabled();
        private String name = "pinned-memory";
        private String version = libraryVersion();
        private final Set<String> extensions = new LinkedHashSet<>(List.of(BINARY_TENSOR_DATA));

        private Builder(PinnedMemoryPool<byte[]> pool) {
            this.pool = pool;
        }

        /** Adds models; their metadata is read now. */
        public Builder models(Collection<? extends InferenceModel> models) {
            models.forEach(this::model);
            return this;
        }

        /** Adds a model. */
        public Builder model(InferenceModel model) {
            this.models.add(Objects.requireNonNull(model, "model"));
            return this;
        }

        /** Sets the limits (default {@link InferenceLimits#DEFAULTS}). */
        public Builder limits(InferenceLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Sets who is told about each finished request (default: nobody). */
        public Builder observer(InferenceObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * Sets the registry of system shared memory regions (default {@link SharedMemoryRegistry#disabled()}); an
         * enabled one adds {@value SharedMemoryRegistry#EXTENSION} to the server metadata's extensions. The caller
         * keeps owning it, and closes it after the server's last request.
         */
        public Builder sharedMemory(SharedMemoryRegistry sharedMemory) {
            this.sharedMemory = Objects.requireNonNull(sharedMemory, "sharedMemory");
            return this;
        }

        /** Sets the server's name in its metadata (default {@code pinned-memory}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Sets the server's version in its metadata (default: this library's). */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Adds an extension the server metadata lists (besides {@value #BINARY_TENSOR_DATA}). */
        public Builder extension(String extension) {
            this.extensions.add(Objects.requireNonNull(extension, "extension"));
            return this;
        }

        /**
         * {@return the server}
         *
         * @throws IllegalStateException if two models serve the same name and version, or a model has no metadata
         * @throws IllegalArgumentException if a model's metadata is invalid
         */
        public InferenceServer build() {
            return new InferenceServer(this);
        }
    }
}
