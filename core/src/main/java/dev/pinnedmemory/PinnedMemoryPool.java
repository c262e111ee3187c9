package dev.pinnedmemory;

import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaPlacement;
import dev.pinnedmemory.backend.NumaTopology;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * A pool of ready-to-use pinned buffers: the Java form of the {@code PinnedMemoryPool<T>} of the
 * original C# specification this library was built from.
 * {@code bufferSize} counts elements.
 *
 * <p>{@link #rent()} hands out an idle buffer or allocates a new one; it never blocks.
 * {@link #rent(int)} hands out a buffer of exactly that many elements: with a minimum buffer size
 * ({@link Builder#minBufferSize}) from the smallest size class that fits, each at most 25 % larger
 * than what was asked. {@link #rent(Duration)} waits a bounded time when the budget is spent.
 * {@link #returnBuffer(PinnedBuffer)} (or the buffer's {@code close()}) keeps at most
 * {@code maxSize} idle buffers per size and frees the rest. {@link #resize(int)} switches to a new
 * buffer size; buffers of the old size are freed as they come back and never handed out again.
 *
 * <p>Ownership: the pool owns every buffer it allocated; each rent lends one to the caller as a
 * lease of its own ({@link PinnedBuffer}) until that lease is closed, and a lease closed with
 * {@link PinnedBuffer#closeAfter} stays out of use until its transfer fence completes. A rented
 * buffer that becomes unreachable is freed by a Cleaner and counted in {@link PoolStats#leaks()};
 * so is a pool that becomes unreachable without {@link #close()} (its idle memory is freed).
 * {@code close()} frees the idle buffers now and every other buffer when it comes back or its fence
 * completes. All pools on one {@link MemoryBudget} never hold more than its limit together.
 *
 * <p>Thread-safe: rent and return are lock-free and, on a hit, allocate only the lease (one
 * object); resize and close are serialised with each other.
 *
 * <p>A facade: each method delegates to the pool's engine, which owns the buffers, the ledger and
 * the lifecycle lock; this class adds only the public contracts, the resize listeners and the
 * Cleaner that notices an abandoned pool.
 *
 * {@snippet :
 * try (var pool = new PinnedMemoryPool<>(ElementType.FLOAT, 1 << 20, 2, 20);
 *      PinnedBuffer<float[]> frame = pool.rent()) {
 *     frame.copyFrom(samples);           // samples: float[] of at most 1 Mi elements
 *     upload(frame.address(), frame.byteSize());
 * }                                      // the frame goes back to the pool here
 * }
 *
 * @param <A> the primitive array type of the elements, e.g. {@code float[]}
 */
public final class PinnedMemoryPool<A> implements AutoCloseable {

    /** Most idle buffers a pool keeps per size class ({@code maxSize}): {@value}. */
    public static final int MAX_IDLE_BUFFERS = 65_536;

    private final BlockPool<A> engine;
    private final Cleaner.Cleanable abandonment;
    private final List<Consumer<PinnedMemoryPool<A>>> resizeListeners = new CopyOnWriteArrayList<>();

    /**
     * A pool of buffers of {@code bufferSize} elements, none allocated up front, at most 20 kept idle.
     *
     * @throws InvalidPoolSettingException if {@code bufferSize} is not positive
     */
    public PinnedMemoryPool(ElementType<A> elementType, int bufferSize) {
        this(builder(elementType).bufferSize(bufferSize));
    }

    /**
     * A pool of buffers of {@code bufferSize} elements with {@code initialSize} allocated now and at
     * most {@code maxSize} kept idle, on the default backend.
     *
     * @throws InvalidPoolSettingException naming the setting, the rule and the value for a bad size
     * @throws PinnedMemoryException if the initial buffers cannot be allocated (none are kept)
     */
    public PinnedMemoryPool(ElementType<A> elementType, int bufferSize, int initialSize, int maxSize) {
        this(builder(elementType).bufferSize(bufferSize).initialSize(initialSize).maxSize(maxSize));
    }

    private PinnedMemoryPool(Builder<A> builder) {
        this(builder.settings(), builder);
    }

    /** A pool with {@code settings} as they are (checked when they were made), placed on its NUMA node. */
    private PinnedMemoryPool(PoolSettings<A> settings, Builder<A> builder) {
        Allocator allocator = builder.allocator != null ? builder.allocator
                : Allocator.standard(builder.backend != null ? builder.backend : PageLockingBackends.defaultSelection().backend());
        NumaNode asked = settings.numaNode();
        PageLockingBackend placed = allocator.backend;
        if (asked.isAuto()) {
            int node = builder.numaTopology.resolve(asked);   // the CUDA device's node, or -1 where the machine does not say
            placed = PageLockingBackends.placedOnIfPossible(allocator.backend, node);
        } else if (!asked.isNone()) {
            placed = PageLockingBackends.placedOn(allocator.backend, asked.id());   // online: a rule of the settings
        }
        if (placed != allocator.backend) {
            allocator = new Allocator(placed, allocator.reclaimer, allocator.leaks, allocator.clock);
        }
        this.engine = new BlockPool<>(settings, allocator, builder.budget != null ? builder.budget : MemoryBudget.unlimited());
        BlockPool<A> pool = engine;
        this.abandonment = LeakDetector.CLEANER.register(this, pool::abandoned);
    }

    /** {@return a builder for a pool of {@code elementType} elements} */
    public static <A> Builder<A> builder(ElementType<A> elementType) {
        return new Builder<>(PoolSettings.builder(elementType), null);
    }

    /**
     * {@return a builder for a pool with {@code settings} as they are; add the backend and the budget,
     * then build} The settings were checked when they were made and are not checked again; a setter
     * of a setting called on this builder starts from them and checks the result once more.
     */
    public static <A> Builder<A> builder(PoolSettings<A> settings) {
        return new Builder<>(null, Objects.requireNonNull(settings, "settings"));
    }

    /**
     * Rents a full-size buffer: an idle one if there is one (a hit), else a newly allocated one (a
     * miss). Never blocks. Its contents are zero when {@code clearOnReturn} is on, else whatever the
     * last renter left.
     *
     * @throws IllegalStateException if the pool is closed
     * @throws MemoryBudgetExceededException if a new buffer is needed and the budget refuses it
     * @throws PinnedMemoryException if the backend refuses it; the pool is unchanged
     */
    public PinnedBuffer<A> rent() {
        return engine.rent();
    }

    /**
     * Rents a buffer of exactly {@code length} elements, from the smallest size class that holds it
     * (without size classes, from the full-size buffers). Never blocks.
     *
     * @throws IllegalArgumentException naming the length and the limit unless {@code 1 <= length <= bufferSize()}
     * @throws IllegalStateException if the pool is closed
     * @throws MemoryBudgetExceededException if a new buffer is needed and the budget refuses it
     * @throws PinnedMemoryException if the backend refuses it
     */
    public PinnedBuffer<A> rent(int length) {
        return engine.rent(length);
    }

    /**
     * Rents a full-size buffer, waiting up to {@code maxWait} when a new buffer is needed and the
     * budget refuses it: until a buffer is returned, a fence completes or another pool on the budget
     * frees memory. Waiting renters are served roughly in the order they came.
     *
     * @throws MemoryBudgetExceededException after {@code maxWait}, saying how long it waited
     * @throws PinnedMemoryException if interrupted while waiting (the interrupt flag is set again)
     *     or if the backend refuses the memory
     * @throws IllegalStateException if the pool is or gets closed
     */
    public PinnedBuffer<A> rent(Duration maxWait) {
        try {
            return engine.rent(maxWait);
        } finally {
            Reference.reachabilityFence(this);   // a pool dropped by its last holder while it waits is not abandoned yet
        }
    }

    /** Rents a buffer of exactly {@code length} elements, waiting up to {@code maxWait} for memory: see {@link #rent(int)} and {@link #rent(Duration)}. */
    public PinnedBuffer<A> rent(int length, Duration maxWait) {
        try {
            return engine.rent(length, maxWait);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Rents a full-size buffer, waiting up to the pool's {@link #maxWait()} (its {@code max-wait}) for memory. */
    public PinnedBuffer<A> rentWaiting() {
        return rent(engine.settings().maxWait());
    }

    /** Rents a buffer of exactly {@code length} elements, waiting up to the pool's {@link #maxWait()} for memory. */
    public PinnedBuffer<A> rentWaiting(int length) {
        return rent(length, engine.settings().maxWait());
    }

    /**
     * Returns a rented buffer; the same as closing it, except that misuse throws.
     *
     * @throws NullPointerException if {@code buffer} is null
     * @throws IllegalArgumentException if this pool did not hand the buffer out
     * @throws IllegalStateException if the buffer's lease already ended
     */
    public void returnBuffer(PinnedBuffer<A> buffer) {
        engine.returnBuffer(Objects.requireNonNull(buffer, "buffer"));
    }

    /**
     * Switches to buffers of {@code newBufferSize} elements (the largest size class). It gives the
     * idle buffers back first and then allocates {@code initialSize} new ones, so old and new memory
     * are never locked at once; buffers rented now are freed when they come back. It reserves the
     * budget it needs in one step first: a resize that cannot fit is refused before anything changes.
     *
     * @throws InvalidPoolSettingException naming {@code bufferSize}, the rule and the value if
     *     {@code newBufferSize} is not positive
     * @throws MemoryBudgetExceededException if the new buffers would not fit the budget, even with
     *     the idle ones given back; the pool is as before
     * @throws PinnedMemoryException if the backend refuses the new buffers; the pool keeps its old
     *     size, without idle buffers
     * @throws IllegalStateException if the pool is closed
     */
    public void resize(int newBufferSize) {
        engine.resize(newBufferSize);
        System.getLogger(PinnedMemoryPool.class.getName()).log(System.Logger.Level.INFO,
                "pinned-memory pool ''{0}'' resized to {1} {2} elements", name(), newBufferSize, elementType());
        resizeListeners.forEach(listener -> listener.accept(this));
    }

    /** Calls {@code listener} on the resizing thread after each successful {@link #resize}; for meters of size classes. */
    public void addResizeListener(Consumer<PinnedMemoryPool<A>> listener) {
        resizeListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** {@return a snapshot of the pool's state and counters} */
    public PoolStats stats() {
        return engine.stats();
    }

    /**
     * {@return a live view of the counters, for meters: each read costs only what it returns} The
     * same object on every call, reachable as long as the pool is (Micrometer holds meter state weakly).
     */
    public PoolMetrics metrics() {
        return engine.metrics();
    }

    /** {@return where each buffer rented now was rented, at {@code PARANOID} leak detection; empty otherwise} */
    public List<Throwable> rentSites() {
        return engine.rentSites();
    }

    /**
     * Closes the pool: frees the idle buffers now, each rented buffer when it is returned and each
     * fenced one when its fence completes; later rents throw. Logs a warning naming how many buffers
     * were still rented (with where they were rented, at {@code PARANOID}) and how many wait on a
     * fence. A second call does nothing.
     */
    @Override
    public void close() {
        engine.close();
        abandonment.clean();
        Reference.reachabilityFence(this);
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return engine.isClosed();
    }

    /** {@return the pool's name, as in configuration and metrics} */
    public String name() {
        return engine.settings().name();
    }

    /** {@return the element type} */
    public ElementType<A> elementType() {
        return engine.settings().type();
    }

    /** {@return the current buffer size in elements (the largest size class)} */
    public int bufferSize() {
        return engine.shape().maxLength();
    }

    /** {@return the smallest size class in elements, or 0 without size classes} */
    public int minBufferSize() {
        return engine.settings().minBufferLength();
    }

    /** {@return how long {@link #rentWaiting()} waits for memory (the pool's {@code max-wait})} */
    public Duration maxWait() {
        return engine.settings().maxWait();
    }

    /** {@return the backend the pool allocates from} */
    public PageLockingBackend backend() {
        return engine.backend();
    }

    /**
     * {@return where the pool's memory lives: the NUMA node its settings asked for and the node its
     * memory is bound to, if any} {@link PoolStats#numaNode()} is the bound node, or -1.
     */
    public NumaPlacement numaPlacement() {
        return NumaPlacement.of(engine.settings().numaNode(), engine.backend());
    }

    /** {@return the budget the pool reserves its bytes from} */
    public MemoryBudget budget() {
        return engine.budget();
    }

    /** {@return the leak detection level} */
    public LeakDetectionLevel leakDetection() {
        return engine.settings().leakDetection();
    }

    @Override
    public String toString() {
        return "PinnedMemoryPool['" + name() + "', " + elementType() + " x " + bufferSize()
                + (isClosed() ? ", closed" : "") + "]";
    }

    /**
     * Configures a {@link PinnedMemoryPool}: the pool's {@link PoolSettings} (each setting is
     * described on {@link PoolSettings.Builder}, where its value is collected; its rule is checked
     * once, when the settings are made) plus where its memory comes from, the backend and the budget.
     * Made from settings ({@link PinnedMemoryPool#builder(PoolSettings)}), it builds the pool with
     * them as they are. Not thread-safe; build on one thread.
     *
     * @param <A> the primitive array type of the elements
     */
    public static final class Builder<A> {
        /** The settings being collected; null while the pool is to be built with {@link #given}. */
        private PoolSettings.@Nullable Builder<A> settings;
        /** The settings the builder was made from, used as they are unless a setter changes one. */
        private @Nullable PoolSettings<A> given;
        private @Nullable PageLockingBackend backend;
        private @Nullable MemoryBudget budget;
        private @Nullable Allocator allocator;
        private NumaTopology numaTopology = NumaTopology.system();

        private Builder(PoolSettings.@Nullable Builder<A> settings, @Nullable PoolSettings<A> given) {
            this.settings = settings;
            this.given = given;
        }

        /** {@return the settings being collected, starting from the given ones at the first setter} */
        private PoolSettings.Builder<A> changing() {
            if (settings == null) {
                settings = Objects.requireNonNull(given, "given").toBuilder().numaTopology(numaTopology);
                given = null;
            }
            return settings;
        }

        /** {@return the pool's settings: the given ones as they are, or the collected ones, checked now} */
        private PoolSettings<A> settings() {
            return given != null ? given : Objects.requireNonNull(settings, "settings").build();
        }

        /** Elements per buffer (the largest size class); required, positive. */
        public Builder<A> bufferSize(int bufferSize) {
            changing().bufferSize(bufferSize);
            return this;
        }

        /** The smallest size class in elements (default 0: none): {@link PoolSettings.Builder#minBufferSize}. */
        public Builder<A> minBufferSize(int minBufferSize) {
            changing().minBufferSize(minBufferSize);
            return this;
        }

        /** Buffers allocated up front and after each resize (default 0, at most {@code maxSize}). */
        public Builder<A> initialSize(int initialSize) {
            changing().initialSize(initialSize);
            return this;
        }

        /** Most idle buffers kept per size class (default 20, at most {@value PinnedMemoryPool#MAX_IDLE_BUFFERS}); returns beyond it are freed. */
        public Builder<A> maxSize(int maxSize) {
            changing().maxSize(maxSize);
            return this;
        }

        /** Whether a returned buffer is zeroed before it is rented again (default true): {@link PoolSettings.Builder#clearOnReturn}. */
        public Builder<A> clearOnReturn(boolean clearOnReturn) {
            changing().clearOnReturn(clearOnReturn);
            return this;
        }

        /** How long {@link PinnedMemoryPool#rentWaiting()} waits for memory (default 0: fail fast). */
        public Builder<A> maxWait(Duration maxWait) {
            changing().maxWait(maxWait);
            return this;
        }

        /** Whether to ask for write-combined memory (default false; {@code cuda} only): {@link PoolSettings.Builder#writeCombined}. */
        public Builder<A> writeCombined(boolean writeCombined) {
            changing().writeCombined(writeCombined);
            return this;
        }

        /** Whether each lease gets a segment of its own that throws once the lease ends (default false). */
        public Builder<A> strictSegments(boolean strictSegments) {
            changing().strictSegments(strictSegments);
            return this;
        }

        /** How leaks are reported (default {@link LeakDetector#defaultLevel()}). */
        public Builder<A> leakDetection(LeakDetectionLevel leakDetection) {
            changing().leakDetection(leakDetection);
            return this;
        }

        /** Threads that allocate the initial buffers (default: processors, at most 4): {@link PoolSettings.Builder#warmupThreads}. */
        public Builder<A> warmupThreads(int warmupThreads) {
            changing().warmupThreads(warmupThreads);
            return this;
        }

        /** How long a transfer fence may stay pending before it counts as stuck (default 10 s, at most 100 days). */
        public Builder<A> fenceWarnAfter(Duration fenceWarnAfter) {
            changing().fenceWarnAfter(fenceWarnAfter);
            return this;
        }

        /** The name in logs, stats and metrics (default {@code pool-N}; not blank). */
        public Builder<A> name(String name) {
            changing().name(name);
            return this;
        }

        /**
         * The NUMA node to bind the pool's memory to (default none): {@link PoolSettings.Builder#numaNode};
         * what it was bound to is the pool's {@link PinnedMemoryPool#numaPlacement()}.
         */
        public Builder<A> numaNode(NumaNode numaNode) {
            changing().numaNode(numaNode);
            return this;
        }

        /** Where memory comes from (default: {@link PageLockingBackends#defaultSelection()}). */
        public Builder<A> backend(PageLockingBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The budget shared with other pools (default: an unlimited one of its own). */
        public Builder<A> budget(MemoryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** The machine's NUMA nodes and CUDA device as seen by {@link #numaNode}: the seam tests use. */
        Builder<A> numaTopology(NumaTopology numaTopology) {
            this.numaTopology = Objects.requireNonNull(numaTopology, "numaTopology");
            if (settings != null) {
                settings.numaTopology(numaTopology);
            }
            return this;
        }

        /** The allocator (backend, reclaimer, leak reporter) as a whole: the seam tests and the helper use. */
        Builder<A> allocator(Allocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /**
         * {@return a new pool with {@code initialSize} buffers allocated}
         *
         * @throws InvalidPoolSettingException naming the setting, the rule and the value (see {@link PoolSettings})
         * @throws IllegalArgumentException for a NUMA node the backend cannot place memory on
         * @throws dev.pinnedmemory.backend.PageLockingUnavailableException if a NUMA node needs a
         *     registration that the CUDA driver refuses
         * @throws MemoryBudgetExceededException if the initial buffers do not fit the budget
         * @throws PinnedMemoryException if the initial buffers cannot be allocated (none are kept)
         */
        public PinnedMemoryPool<A> build() {
            return new PinnedMemoryPool<>(this);
        }
    }
}
