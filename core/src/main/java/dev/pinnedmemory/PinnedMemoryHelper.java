package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Entry point for pinning arrays and allocating pinned buffers on one backend: the static
 * {@code PinnedMemoryHelper<T>} of the original C# specification as an instance, so Spring can
 * inject it.
 * Plain Java code uses {@link #shared()}, built on {@link PageLockingBackends#defaultSelection()}
 * (system properties {@value #BACKEND_PROPERTY} and {@value #REQUIRE_PAGE_LOCKED_PROPERTY}).
 *
 * {@snippet :
 * float[] batch = loadBatch();
 * try (PinnedBuffer<float[]> pinned = PinnedMemoryHelper.shared().pinAndCopy(batch)) {
 *     upload(pinned.address(), pinned.byteSize());
 * }
 * }
 *
 * <p>Ownership: what the helper returns belongs to the caller, who must close it. The helper owns
 * the pools behind {@link PinningStrategy#POOLED}: at most {@value #MAX_POOLED_SHAPES} of them
 * (one per element type and length), each keeping at most 8 idle buffers, and a pool that served
 * no rent for a minute is closed and its memory freed, so a helper that is never closed (like
 * {@code shared()}) holds no pinned memory for long after its last use. {@link #close()} frees
 * them all at once. Thread-safe.
 */
public final class PinnedMemoryHelper implements AutoCloseable {

    /** System property choosing the shared helper's backend: {@code auto} (default), {@code cuda}, {@code mlock}, {@code unlocked}. */
    public static final String BACKEND_PROPERTY = PageLockingBackends.BACKEND_PROPERTY;
    /** System property making the shared helper fail instead of falling back to unlocked memory. */
    public static final String REQUIRE_PAGE_LOCKED_PROPERTY = PageLockingBackends.REQUIRE_PAGE_LOCKED_PROPERTY;

    /** Most distinct (element type, length) shapes pooled for {@link PinningStrategy#POOLED}; more go off-heap. */
    static final int MAX_POOLED_SHAPES = 64;
    /** How long a pool behind {@link PinningStrategy#POOLED} may go without a rent before it is closed. */
    static final Duration POOLED_IDLE_TIMEOUT = Duration.ofSeconds(30);
    private static final int POOLED_MAX_IDLE = 8;

    private record Shape(ElementType<?> type, int length) {
    }

    private static final Object SHARED_LOCK = new Object();
    private static volatile @Nullable PinnedMemoryHelper shared;

    private final StandaloneMemory standalone;
    private final Allocator allocator;
    private final PinningStrategySelector selector;
    private final LeakDetectionLevel leakDetection;
    private final MemoryBudget budget;
    private final Map<Shape, PinnedMemoryPool<?>> pools = new ConcurrentHashMap<>();
    /** Rents each pool had served at the last trim; a pool whose count did not move is idle. */
    private final Map<Shape, Long> rentsAtLastTrim = new ConcurrentHashMap<>();
    private final Object poolsLock = new Object();
    private boolean closed;

    /** A helper on a chosen backend with the default thresholds and leak detection level. */
    public PinnedMemoryHelper(BackendSelection selection) {
        this(selection, PinningStrategySelector.defaults(), LeakDetector.defaultLevel(), MemoryBudget.unlimited());
    }

    /** A helper on {@code backend} with the default thresholds and leak detection level. */
    public PinnedMemoryHelper(PageLockingBackend backend) {
        this(new BackendSelection(backend, new BackendReport(backend.name(), backend.pageLocked(), backend.name(),
                Map.of(), -1, null)));
    }

    /**
     * A fully configured helper.
     *
     * @param selection the backend and the report of its choice
     * @param selector the strategy thresholds
     * @param leakDetection how leaks are reported
     * @param budget the budget that the pools behind {@link PinningStrategy#POOLED} draw from
     */
    public PinnedMemoryHelper(BackendSelection selection, PinningStrategySelector selector,
                              LeakDetectionLevel leakDetection, MemoryBudget budget) {
        this(selection, selector, leakDetection, budget,
                Allocator.standard(Objects.requireNonNull(selection, "selection").backend()));
    }

    PinnedMemoryHelper(BackendSelection selection, PinningStrategySelector selector, LeakDetectionLevel leakDetection,
                       MemoryBudget budget, Allocator allocator) {
        this(new StandaloneMemory(Objects.requireNonNull(selection, "selection").report(),
                Objects.requireNonNull(leakDetection, "leakDetection"), allocator), selector, budget);
    }

    /** A helper whose standalone buffers and pinned arrays come from {@code standalone}, as do its pools' blocks. */
    PinnedMemoryHelper(StandaloneMemory standalone, PinningStrategySelector selector, MemoryBudget budget) {
        this.standalone = standalone;
        this.allocator = standalone.allocator;
        this.selector = Objects.requireNonNull(selector, "selector");
        this.leakDetection = standalone.leakDetection;
        this.budget = Objects.requireNonNull(budget, "budget");
        allocator.reclaimer.every(POOLED_IDLE_TIMEOUT.toNanos(), this, PinnedMemoryHelper::closeIdlePools);
    }

    /**
     * {@return the process-wide helper on the default backend selection, created at first use}
     * Its standalone buffers and pinned arrays are those of {@link PinnedBuffer#allocate} and
     * {@link PinnedArray#of}: the same backend, and leaks counted here.
     *
     * @throws dev.pinnedmemory.backend.PageLockingUnavailableException when the system properties
     *     ask for a backend or page-locking that this machine cannot give (on every call, until it can)
     * @throws IllegalArgumentException when {@value #BACKEND_PROPERTY} names no backend
     */
    public static PinnedMemoryHelper shared() {
        PinnedMemoryHelper helper = shared;
        if (helper == null) {
            synchronized (SHARED_LOCK) {
                helper = shared;
                if (helper == null) {
                    helper = new PinnedMemoryHelper(StandaloneMemory.shared(), PinningStrategySelector.defaults(),
                            MemoryBudget.unlimited());
                    shared = helper;
                }
            }
        }
        return helper;
    }

    /** {@return the backend this helper allocates from} */
    public PageLockingBackend backend() {
        return allocator.backend;
    }

    /** {@return how the backend was chosen} */
    public BackendReport backendReport() {
        return standalone.report;
    }

    /** {@return standalone buffers and pinned arrays from this helper that leaked (pools count their own)} */
    public long leakCount() {
        return standalone.leaks();
    }

    /** {@return frees that failed in this process's reclaimer (a backend refused to give memory back), logged as they happened} */
    public long freeFailures() {
        return allocator.reclaimer.failures();
    }

    /** {@return the leak detection level of this helper and its pools} */
    public LeakDetectionLevel leakDetection() {
        return leakDetection;
    }

    /** {@return the strategy selector} */
    public PinningStrategySelector selector() {
        return selector;
    }

    /**
     * Pins {@code array}: see {@link PinnedArray}.
     *
     * @throws NullPointerException if {@code array} is null
     * @throws IllegalArgumentException if it is not a supported primitive array
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public <A> PinnedArray<A> pin(A array) {
        return standalone.pin(array);
    }

    /**
     * Gives {@code array}'s data pinned memory the way {@code strategy} says: {@code NONE} wraps
     * the heap array unpinned, {@code PINNED_ARRAY} is {@link #pin(Object)}, {@code OFF_HEAP} is
     * {@link #pinAndCopy(Object)}, {@code POOLED} rents a buffer of the array's shape from a pool this
     * helper keeps and copies the array in. Only {@code PINNED_ARRAY} writes back on close.
     */
    public <A> PinnedMemory<A> pin(A array, PinningStrategy strategy) {
        PinnedArray.requireArray(array);
        Objects.requireNonNull(strategy, "strategy");
        return switch (strategy) {
            case NONE -> new HeapMemory<>(array, ElementType.of(array));
            case PINNED_ARRAY -> pin(array);
            case OFF_HEAP -> pinAndCopy(array);
            case POOLED -> rentCopy(array);
        };
    }

    /**
     * {@return a new standalone pinned buffer holding a copy of {@code source}}; the caller closes it.
     *
     * @throws NullPointerException if {@code source} is null
     * @throws IllegalArgumentException if it is not a supported primitive array
     */
    public <A> PinnedBuffer<A> pinAndCopy(A source) {
        return standalone.copyOf(source);
    }

    /**
     * {@return a new standalone pinned buffer of {@code length} zeroed elements}; the caller closes it
     * (the C# specification's {@code AllocateUnmanaged}).
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public <A> PinnedBuffer<A> allocateUnmanaged(ElementType<A> type, int length) {
        return standalone.allocate(type, length);
    }

    /** {@return the strategy for {@code bufferBytes} bytes reused {@code expectedReuses} times, by this helper's thresholds} */
    public PinningStrategy select(long bufferBytes, int expectedReuses) {
        return selector.select(bufferBytes, expectedReuses);
    }

    /** Closes the pools behind {@link PinningStrategy#POOLED}; buffers still rented are freed when closed. */
    @Override
    public void close() {
        List<PinnedMemoryPool<?>> toClose;
        synchronized (poolsLock) {
            closed = true;
            toClose = new ArrayList<>(pools.values());
            pools.clear();
        }
        toClose.forEach(PinnedMemoryPool::close);
    }

    private <A> PinnedMemory<A> rentCopy(A array) {
        ElementType<A> type = ElementType.of(array);
        int length = type.lengthOf(array);
        if (length == 0) {
            return pinAndCopy(array);
        }
        Shape shape = new Shape(type, length);
        @SuppressWarnings("unchecked")
        PinnedMemoryPool<A> pool = (PinnedMemoryPool<A>) pools.get(shape);
        if (pool == null) {
            synchronized (poolsLock) {
                if (closed || (pools.size() >= MAX_POOLED_SHAPES && !pools.containsKey(shape))) {
                    return pinAndCopy(array);
                }
                @SuppressWarnings("unchecked")
                PinnedMemoryPool<A> created = (PinnedMemoryPool<A>) pools.computeIfAbsent(shape,
                        key -> PinnedMemoryPool.builder(type).name("helper-" + type.configName() + "-" + length)
                                .bufferSize(length).maxSize(POOLED_MAX_IDLE).clearOnReturn(false).budget(budget)
                                .leakDetection(leakDetection).allocator(allocator).build());
                pool = created;
            }
        }
        PinnedBuffer<A> buffer;
        try {
            buffer = pool.rent();
        } catch (IllegalStateException closedMeanwhile) {
            // The pool was closed by close() or an idle trim between the lookup and the rent.
            return pinAndCopy(array);
        }
        buffer.copyFrom(array);
        return buffer;
    }

    /** Closes the pools that served no rent since the last call (every {@link #POOLED_IDLE_TIMEOUT}). */
    void closeIdlePools() {
        List<PinnedMemoryPool<?>> idle = new ArrayList<>();
        synchronized (poolsLock) {
            for (var entry : pools.entrySet()) {
                PoolMetrics metrics = entry.getValue().metrics();
                long rents = metrics.rents();
                Long before = rentsAtLastTrim.put(entry.getKey(), rents);
                // Idle: no rent since the last trim, and nothing out (a buffer kept for long is still in use).
                if (before != null && before == rents && metrics.inUse() == 0 && metrics.fenced() == 0) {
                    idle.add(entry.getValue());
                }
            }
            for (PinnedMemoryPool<?> pool : idle) {
                Shape shape = new Shape(pool.elementType(), pool.bufferSize());
                pools.remove(shape);
                rentsAtLastTrim.remove(shape);
            }
        }
        idle.forEach(PinnedMemoryPool::close);
    }
}
