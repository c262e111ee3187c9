package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entry point for pinning arrays and allocating pinned buffers on one backend: the
 * specification's static {@code PinnedMemoryHelper<T>} as an instance, so Spring can inject it.
 * Plain Java code uses {@link #shared()}, built on the {@code auto} backend at first use (system
 * properties {@code dev.pinnedmemory.backend} and {@code dev.pinnedmemory.requirePageLocked}
 * override that).
 *
 * {@snippet :
 * float[] batch = loadBatch();
 * try (PinnedBuffer<float[]> pinned = PinnedMemoryHelper.shared().pinAndCopy(batch)) {
 *     upload(pinned.address(), pinned.byteSize());
 * }
 * }
 *
 * <p>Ownership: what the helper returns belongs to the caller, who must close it. The helper owns
 * the pools behind {@link PinningStrategy#POOLED} and frees them on {@link #close()} (never
 * needed for {@code shared()}). Thread-safe.
 */
public final class PinnedMemoryHelper implements AutoCloseable {

    /** System property choosing the shared helper's backend: {@code auto} (default), {@code cuda}, {@code mlock}, {@code unlocked}. */
    public static final String BACKEND_PROPERTY = "dev.pinnedmemory.backend";
    /** System property making the shared helper fail instead of falling back to unlocked memory. */
    public static final String REQUIRE_PAGE_LOCKED_PROPERTY = "dev.pinnedmemory.requirePageLocked";

    /** Most distinct (element type, length) shapes pooled for {@link PinningStrategy#POOLED}; more go off-heap. */
    static final int MAX_POOLED_SHAPES = 64;
    private static final int POOLED_MAX_IDLE = 8;

    private record Shape(ElementType<?> type, int length) {
    }

    private static final Object SHARED_LOCK = new Object();
    private static volatile PinnedMemoryHelper shared;

    private final PageLockingBackend backend;
    private final BackendReport report;
    private final PinningStrategySelector selector;
    private final LeakDetectionLevel leakDetection;
    private final MemoryBudget budget;
    private final StandaloneOwner owner;
    private final Map<Shape, PinnedMemoryPool<?>> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

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
        this.backend = Objects.requireNonNull(selection, "selection").backend();
        this.report = selection.report();
        this.selector = Objects.requireNonNull(selector, "selector");
        this.leakDetection = Objects.requireNonNull(leakDetection, "leakDetection");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.owner = new StandaloneOwner(leakDetection);
    }

    /**
     * {@return the process-wide helper on the {@code auto} backend, created at first use}
     *
     * @throws PageLockingUnavailableException when the system properties ask for a backend or
     *     page-locking that this machine cannot give (on every call, until it can)
     * @throws IllegalArgumentException when {@value #BACKEND_PROPERTY} names no backend
     */
    public static PinnedMemoryHelper shared() {
        PinnedMemoryHelper helper = shared;
        if (helper == null) {
            synchronized (SHARED_LOCK) {
                helper = shared;
                if (helper == null) {
                    // Not a holder class: a refused selection must throw its own message on every call,
                    // not a NoClassDefFoundError after the first.
                    helper = new PinnedMemoryHelper(PageLockingBackends.select(
                            BackendKind.parse(System.getProperty(BACKEND_PROPERTY, "auto")),
                            Boolean.getBoolean(REQUIRE_PAGE_LOCKED_PROPERTY)));
                    shared = helper;
                }
            }
        }
        return helper;
    }

    /** {@return the backend this helper allocates from} */
    public PageLockingBackend backend() {
        return backend;
    }

    /** {@return how the backend was chosen} */
    public BackendReport backendReport() {
        return report;
    }

    /** {@return standalone buffers and pinned arrays from this helper that leaked (pools count their own)} */
    public long leakCount() {
        return owner.leaks();
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
        PinnedArray.requireArray(array);
        ElementType<A> type = ElementType.of(array);
        long bytes = (long) type.lengthOf(array) * type.byteSize();
        NativeBlock block = allocateBlock(bytes, "pinned array of " + type.lengthOf(array) + " " + type
                + " elements (" + bytes + " bytes)");
        PinnedArray<A> pinned = new PinnedArray<>(array, type, block);
        LeakDetector.CLEANER.register(pinned, block);
        return pinned;
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
        PinnedArray.requireArray(source);
        ElementType<A> type = ElementType.of(source);
        PinnedBuffer<A> buffer = allocateUnmanaged(type, type.lengthOf(source));
        buffer.copyFrom(source);
        return buffer;
    }

    /**
     * {@return a new standalone pinned buffer of {@code length} zeroed elements}; the caller closes it
     * (the specification's {@code AllocateUnmanaged}).
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    public <A> PinnedBuffer<A> allocateUnmanaged(ElementType<A> type, int length) {
        Objects.requireNonNull(type, "type");
        if (length < 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
        }
        long bytes = (long) length * type.byteSize();
        NativeBlock block = allocateBlock(bytes, "buffer of " + length + " " + type + " elements (" + bytes + " bytes)");
        PinnedBuffer<A> buffer = new PinnedBuffer<>(type, length, block, null);
        LeakDetector.CLEANER.register(buffer, block);
        return buffer;
    }

    /** {@return the strategy for {@code bufferBytes} bytes reused {@code expectedReuses} times, by this helper's thresholds} */
    public PinningStrategy select(long bufferBytes, int expectedReuses) {
        return selector.select(bufferBytes, expectedReuses);
    }

    /** Closes the pools behind {@link PinningStrategy#POOLED}; buffers still rented are freed when closed. */
    @Override
    public void close() {
        closed = true;
        pools.values().forEach(PinnedMemoryPool::close);
        pools.clear();
    }

    private <A> PinnedBuffer<A> rentCopy(A array) {
        ElementType<A> type = ElementType.of(array);
        int length = type.lengthOf(array);
        if (closed || length == 0 || (pools.size() >= MAX_POOLED_SHAPES && !pools.containsKey(new Shape(type, length)))) {
            return pinAndCopy(array);
        }
        @SuppressWarnings("unchecked")
        PinnedMemoryPool<A> pool = (PinnedMemoryPool<A>) pools.computeIfAbsent(new Shape(type, length),
                shape -> PinnedMemoryPool.builder(type).name("helper-" + type.configName() + "-" + length)
                        .bufferSize(length).maxSize(POOLED_MAX_IDLE).clearOnReturn(false).backend(backend)
                        .budget(budget).leakDetection(leakDetection).build());
        PinnedBuffer<A> buffer = pool.rent();
        buffer.copyFrom(array);
        return buffer;
    }

    private NativeBlock allocateBlock(long bytes, String description) {
        Arena arena = Arena.ofShared();
        MemorySegment segment;
        try {
            segment = backend.allocate(bytes, arena);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            if (e instanceof PinnedMemoryException pinned) {
                throw pinned;
            }
            throw new PinnedMemoryException("could not allocate " + description + " from backend '"
                    + backend.name() + "': " + e.getMessage(), bytes, e);
        }
        NativeBlock block = new NativeBlock(arena, backend, segment, owner, 0, description);
        if (leakDetection == LeakDetectionLevel.PARANOID) {
            block.site = new Throwable("allocated here");
        }
        return block;
    }
}
