package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pool of equally sized, ready-to-use pinned buffers: the specification's {@code PinnedMemoryPool<T>}.
 *
 * <p>{@link #rent()} hands out an idle buffer or allocates a new one; it never blocks.
 * {@link #returnBuffer(PinnedBuffer)} (or the buffer's {@code close()}) keeps at most
 * {@code maxSize} idle buffers and frees the rest. {@link #resize(int)} switches to a new buffer
 * size: buffers of the old size are freed as they come back and never handed out again.
 * {@code bufferSize} counts elements.
 *
 * <p>Ownership: the pool owns every buffer it allocated. A rented buffer is lent to the caller
 * until returned; one that becomes unreachable instead is freed by a Cleaner and counted in
 * {@link PoolStats#leaks()}. {@link #close()} frees the idle buffers now and every rented buffer
 * when it comes back.
 *
 * <p>Thread-safe: rent and return are lock-free and allocation-free on a hit: one
 * compare-and-set on the idle slot each, one on the buffer's state at return, counters kept on the
 * buffer's own cache line by the thread that holds it; resize and close are serialised with each
 * other.
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

    private static final System.Logger LOG = System.getLogger(PinnedMemoryPool.class.getName());
    private static final AtomicInteger UNNAMED = new AtomicInteger();

    /** The current buffer size; a new generation per resize. */
    private record Shape(int length, long bytes, int generation) {
    }

    private final String name;
    private final ElementType<A> type;
    private final int initialSize;
    private final int maxSize;
    private final boolean clearOnReturn;
    private final PageLockingBackend backend;
    private final MemoryBudget budget;
    private final LeakDetectionLevel leakDetection;
    private final int warmupThreads;
    private final IdleSlots<PinnedBuffer<A>> idle;
    private final Accounting accounting = new Accounting();
    private final Object lifecycle = new Object();
    /** Every block this pool holds (idle or rented): stats() sums their own counters. Touched on allocate and free only. */
    private final Set<NativeBlock> live = ConcurrentHashMap.newKeySet();
    /** Counters of blocks already freed. */
    private final AtomicLong retiredHits = new AtomicLong();
    private final AtomicLong retiredReturns = new AtomicLong();
    private final LongAdder misses = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder leaks = new LongAdder();
    private final AtomicLong pinnedBytes = new AtomicLong();
    private volatile Shape shape;
    private volatile boolean closed;

    /**
     * A pool of buffers of {@code bufferSize} elements, none allocated up front, at most 20 kept idle.
     *
     * @throws IllegalArgumentException if {@code bufferSize} is not positive
     */
    public PinnedMemoryPool(ElementType<A> elementType, int bufferSize) {
        this(builder(elementType).bufferSize(bufferSize));
    }

    /**
     * A pool of buffers of {@code bufferSize} elements with {@code initialSize} allocated now and at
     * most {@code maxSize} kept idle, on the shared helper's backend.
     *
     * @throws IllegalArgumentException naming the value and the rule for a bad size
     * @throws PinnedMemoryException if the initial buffers cannot be allocated (none are kept)
     */
    public PinnedMemoryPool(ElementType<A> elementType, int bufferSize, int initialSize, int maxSize) {
        this(builder(elementType).bufferSize(bufferSize).initialSize(initialSize).maxSize(maxSize));
    }

    private PinnedMemoryPool(Builder<A> builder) {
        builder.validate();
        this.name = builder.name != null ? builder.name : "pool-" + UNNAMED.incrementAndGet();
        this.type = builder.elementType;
        this.initialSize = builder.initialSize;
        this.maxSize = builder.maxSize;
        this.clearOnReturn = builder.clearOnReturn;
        this.backend = builder.backend != null ? builder.backend : PinnedMemoryHelper.shared().backend();
        this.budget = builder.budget != null ? builder.budget : MemoryBudget.unlimited();
        this.leakDetection = builder.leakDetection != null ? builder.leakDetection : LeakDetector.defaultLevel();
        this.warmupThreads = builder.warmupThreads;
        this.idle = new IdleSlots<>(maxSize);
        this.shape = new Shape(builder.bufferSize, (long) builder.bufferSize * type.byteSize(), 0);
        if (!budget.wouldFit((long) initialSize * shape.bytes(), 0)) {
            throw new MemoryBudgetExceededException((long) initialSize * shape.bytes(), budget.usedBytes(), budget.limitBytes());
        }
        for (PinnedBuffer<A> buffer : allocateIdle(shape, initialSize, false)) {
            idle.offer(buffer);
        }
    }

    /** {@return a builder for a pool of {@code elementType} elements} */
    public static <A> Builder<A> builder(ElementType<A> elementType) {
        return new Builder<>(elementType);
    }

    /**
     * Rents a buffer: an idle one if there is one (a hit), else a newly allocated one (a miss).
     * Never blocks. Its contents are zero when {@code clearOnReturn} is on, else whatever the last
     * renter left.
     *
     * @throws IllegalStateException if the pool is closed
     * @throws PinnedMemoryException if a new buffer is needed and the backend or the budget refuses it;
     *     the pool is unchanged
     */
    public PinnedBuffer<A> rent() {
        if (closed) {
            throw new IllegalStateException("pool '" + name + "' is closed");
        }
        Shape current = shape;
        int[] home = idle.home();
        PinnedBuffer<A> buffer;
        while ((buffer = idle.poll(home)) != null) {
            NativeBlock block = buffer.block;
            // A resize may have finished since 'current' was read: re-read before discarding.
            if (block.generation == current.generation() || block.generation == (current = shape).generation()) {
                block.markInUse();
                block.slot = home[0];
                block.countHit();
                recordSite(block);
                return buffer;
            }
            block.free();
        }
        buffer = allocate(current, false);
        buffer.block.slot = home[0];
        misses.increment();
        recordSite(buffer.block);
        return buffer;
    }

    /**
     * Returns a rented buffer; the same as closing it, except that misuse throws.
     *
     * @throws NullPointerException if {@code buffer} is null
     * @throws IllegalArgumentException if this pool did not hand the buffer out
     * @throws IllegalStateException if the buffer was already returned or freed
     */
    public void returnBuffer(PinnedBuffer<A> buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.pool() != this) {
            throw new IllegalArgumentException("buffer of " + buffer.length() + " " + buffer.elementType()
                    + " elements was not rented from pool '" + name + "'");
        }
        release(buffer, true);
    }

    void release(PinnedBuffer<A> buffer, boolean strict) {
        NativeBlock block = buffer.block;
        if (!block.transition(NativeBlock.IN_USE, NativeBlock.IDLE)) {
            if (strict) {
                throw new IllegalStateException("buffer of " + buffer.length() + " " + type + " elements was already "
                        + (block.state() == NativeBlock.IDLE ? "returned to" : "returned to and freed by")
                        + " pool '" + name + "'");
            }
            return;
        }
        block.countReturn();
        if (closed || block.generation != shape.generation()) {
            drop(block);
            return;
        }
        if (clearOnReturn) {
            block.segment.fill((byte) 0);
        }
        if (!idle.offer(buffer, block.slot)) {
            drop(block);
            return;
        }
        if (closed || block.generation != shape.generation()) {
            purgeIdle();
        }
    }

    private void drop(NativeBlock block) {
        block.free();
        dropped.increment();
    }

    /**
     * Switches to buffers of {@code newBufferSize} elements: allocates {@code initialSize} new
     * buffers, then frees the idle ones; rented buffers of the old size are freed when they come
     * back. If the budget or the backend refuses, nothing has been freed and the pool is as before.
     *
     * @throws IllegalArgumentException if {@code newBufferSize} is not positive
     * @throws MemoryBudgetExceededException if the new buffers would not fit the budget
     * @throws PinnedMemoryException if the backend refuses the new buffers
     * @throws IllegalStateException if the pool is closed
     */
    public void resize(int newBufferSize) {
        if (newBufferSize <= 0) {
            throw new IllegalArgumentException("bufferSize: " + newBufferSize + " (expected: > 0 elements)");
        }
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("pool '" + name + "' is closed");
            }
            Shape old = shape;
            Shape next = new Shape(newBufferSize, (long) newBufferSize * type.byteSize(), old.generation() + 1);
            long needed = (long) initialSize * next.bytes();
            long reclaimable = (long) idle.count() * old.bytes();
            if (!budget.wouldFit(needed, reclaimable)) {
                throw new MemoryBudgetExceededException(needed, budget.usedBytes(), budget.limitBytes(), reclaimable, name);
            }
            List<PinnedBuffer<A>> fresh = allocateIdle(next, initialSize, true);
            shape = next;
            for (PinnedBuffer<A> stale : idle.drain()) {
                stale.block.free();
            }
            for (PinnedBuffer<A> buffer : fresh) {
                if (!idle.offer(buffer)) {
                    buffer.block.free();
                }
            }
        }
        LOG.log(System.Logger.Level.INFO, "pinned-memory pool ''{0}'' resized to {1} {2} elements", name, newBufferSize, type);
    }

    /** {@return a snapshot of the pool's state and counters} */
    public PoolStats stats() {
        Shape current = shape;
        long hitCount;
        long returnCount;
        long missCount;
        long leakCount;
        synchronized (live) {
            // Under the lock that frees fold under, so no block is counted twice or not at all.
            // Misses first: a miss during the scan then can make in-use read low, never high.
            missCount = misses.sum();
            leakCount = leaks.sum();
            hitCount = retiredHits.get();
            returnCount = retiredReturns.get();
            for (NativeBlock block : live) {
                hitCount += block.hitCount();
                returnCount += block.returnCount();
            }
        }
        int inUse = (int) Math.max(0, hitCount + missCount - returnCount - leakCount);
        int idleCount = idle.count();
        return new PoolStats(type.name(), current.length(), current.bytes(), initialSize, maxSize, clearOnReturn,
                idleCount, inUse, idleCount + inUse, hitCount + missCount, returnCount, hitCount, missCount,
                dropped.sum(), leakCount, pinnedBytes.get(), backend.pageLocked());
    }

    /**
     * Closes the pool: frees the idle buffers now and each rented buffer when it is returned;
     * later rents throw. Logs a warning naming how many buffers were still rented. A second call
     * does nothing.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        purgeIdle();
        int outstanding = stats().inUse();
        if (outstanding > 0) {
            LOG.log(System.Logger.Level.WARNING, "pinned-memory pool ''{0}'' closed with {1} buffer(s) still rented; "
                    + "each is freed when it is returned", name, outstanding);
        }
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed;
    }

    /** {@return the pool's name, as in configuration and metrics} */
    public String name() {
        return name;
    }

    /** {@return the element type} */
    public ElementType<A> elementType() {
        return type;
    }

    /** {@return the current buffer size in elements} */
    public int bufferSize() {
        return shape.length();
    }

    /** {@return the backend the pool allocates from} */
    public PageLockingBackend backend() {
        return backend;
    }

    /** {@return the budget the pool reserves its bytes from} */
    public MemoryBudget budget() {
        return budget;
    }

    /** {@return the leak detection level} */
    public LeakDetectionLevel leakDetection() {
        return leakDetection;
    }

    private void purgeIdle() {
        Shape current = shape;
        for (PinnedBuffer<A> buffer : idle.drain()) {
            if (closed || buffer.block.generation != current.generation() || !idle.offer(buffer)) {
                buffer.block.free();
            }
        }
    }

    private void recordSite(NativeBlock block) {
        if (leakDetection == LeakDetectionLevel.PARANOID) {
            block.site = new Throwable("rented from pinned-memory pool '" + name + "' here");
        }
    }

    private List<PinnedBuffer<A>> allocateIdle(Shape target, int count, boolean overBudgetChecked) {
        List<PinnedBuffer<A>> fresh = java.util.Collections.synchronizedList(new ArrayList<>(count));
        int threads = Math.min(warmupThreads, count);
        try {
            if (threads <= 1) {
                for (int i = 0; i < count; i++) {
                    fresh.add(allocateIdle(target, overBudgetChecked));
                }
            } else {
                Warmup.run(threads, count, () -> fresh.add(allocateIdle(target, overBudgetChecked)));
            }
        } catch (RuntimeException e) {
            fresh.forEach(buffer -> buffer.block.free());
            throw e;
        }
        return new ArrayList<>(fresh);
    }

    private PinnedBuffer<A> allocateIdle(Shape target, boolean overBudgetChecked) {
        PinnedBuffer<A> buffer = allocate(target, overBudgetChecked);
        buffer.block.transition(NativeBlock.IN_USE, NativeBlock.IDLE);
        return buffer;
    }

    private PinnedBuffer<A> allocate(Shape target, boolean overBudgetChecked) {
        long bytes = target.bytes();
        if (overBudgetChecked) {
            budget.forceReserve(bytes);
        } else {
            budget.reserve(bytes);
        }
        Arena arena = Arena.ofShared();
        MemorySegment segment;
        try {
            segment = backend.allocate(bytes, arena);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            budget.release(bytes);
            String what = "pool '" + name + "' could not allocate a buffer of " + target.length() + " " + type
                    + " elements (" + bytes + " bytes) from backend '" + backend.name() + "': " + e.getMessage();
            throw new PinnedMemoryException(what, bytes, e);
        }
        String description = "buffer of " + target.length() + " " + type + " elements (" + bytes
                + " bytes) rented from pool '" + name + "'";
        NativeBlock block = new NativeBlock(arena, backend, segment, accounting, target.generation(), description);
        live.add(block);
        pinnedBytes.addAndGet(bytes);
        PinnedBuffer<A> buffer = new PinnedBuffer<>(type, target.length(), block, this);
        LeakDetector.CLEANER.register(buffer, block);
        return buffer;
    }

    /** Keeps the pool's byte counts and leak count; a separate object so the pool's API stays clean. */
    private final class Accounting implements NativeBlock.Owner {
        @Override
        public void freed(NativeBlock block) {
            synchronized (live) {
                retiredHits.addAndGet(block.hitCount());
                retiredReturns.addAndGet(block.returnCount());
                live.remove(block);
            }
            pinnedBytes.addAndGet(-block.byteSize());
            budget.release(block.byteSize());
        }

        @Override
        public void leaked(NativeBlock block) {
            leaks.increment();
            LeakDetector.report(leakDetection, block.description, block.site);
        }
    }

    /**
     * Configures a {@link PinnedMemoryPool}. Not thread-safe; build on one thread.
     *
     * @param <A> the primitive array type of the elements
     */
    public static final class Builder<A> {
        private final ElementType<A> elementType;
        private int bufferSize = -1;
        private int initialSize;
        private int maxSize = 20;
        private boolean clearOnReturn = true;
        private PageLockingBackend backend;
        private MemoryBudget budget;
        private LeakDetectionLevel leakDetection;
        private String name;
        private int warmupThreads = Math.min(4, Runtime.getRuntime().availableProcessors());

        private Builder(ElementType<A> elementType) {
            this.elementType = Objects.requireNonNull(elementType, "elementType");
        }

        /** Elements per buffer; required, positive. */
        public Builder<A> bufferSize(int bufferSize) {
            this.bufferSize = bufferSize;
            return this;
        }

        /** Buffers allocated up front and after each resize (default 0). */
        public Builder<A> initialSize(int initialSize) {
            this.initialSize = initialSize;
            return this;
        }

        /** Most idle buffers kept (default 20); returns beyond it are freed. */
        public Builder<A> maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        /** Whether returned buffers are zeroed before they are rented again (default true). */
        public Builder<A> clearOnReturn(boolean clearOnReturn) {
            this.clearOnReturn = clearOnReturn;
            return this;
        }

        /** Where memory comes from (default: the shared helper's auto-selected backend). */
        public Builder<A> backend(PageLockingBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The budget shared with other pools (default: an unlimited one of its own). */
        public Builder<A> budget(MemoryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** How leaks are reported (default {@link LeakDetector#defaultLevel()}). */
        public Builder<A> leakDetection(LeakDetectionLevel leakDetection) {
            this.leakDetection = Objects.requireNonNull(leakDetection, "leakDetection");
            return this;
        }

        /**
         * Threads that allocate and page-lock the initial buffers at start and after a resize
         * (default: the number of processors, at most 4). First touch and locking of fresh pages is
         * the slow part of a warm-up, and the kernel does it in parallel for separate buffers.
         */
        public Builder<A> warmupThreads(int warmupThreads) {
            if (warmupThreads < 1) {
                throw new IllegalArgumentException("warmupThreads: " + warmupThreads + " (expected: >= 1)");
            }
            this.warmupThreads = warmupThreads;
            return this;
        }

        /** The name in logs, stats and metrics (default {@code pool-N}). */
        public Builder<A> name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: non-blank)");
            }
            this.name = name;
            return this;
        }

        /**
         * {@return a new pool with {@code initialSize} buffers allocated}
         *
         * @throws IllegalArgumentException naming the value and the rule for a bad setting
         * @throws PinnedMemoryException if the initial buffers cannot be allocated (none are kept)
         */
        public PinnedMemoryPool<A> build() {
            return new PinnedMemoryPool<>(this);
        }

        private void validate() {
            if (bufferSize <= 0) {
                throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: > 0 elements)");
            }
            if (maxSize < 0) {
                throw new IllegalArgumentException("maxSize: " + maxSize + " (expected: >= 0)");
            }
            if (initialSize < 0 || initialSize > maxSize) {
                throw new IllegalArgumentException("initialSize: " + initialSize + " (expected: 0 to maxSize " + maxSize + ")");
            }
        }
    }
}
