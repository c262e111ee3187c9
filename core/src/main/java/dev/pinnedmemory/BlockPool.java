package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;
import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The engine behind a {@link PinnedMemoryPool}, a pool of {@link NativeBlock}s: rent, return, fences,
 * waiting, background zeroing, resize and close. It owns the pool's state (settings, shape, ledger,
 * fences, lifecycle lock, the zeroing flag) and hands its collaborators only what each needs:
 * {@link Resizer} the budget, an allocation and the shape to publish, {@link WaitingRent} a rent that
 * does not wait, {@link PoolMetrics} the ledger. Holds no reference to the facade, so the facade can become
 * unreachable (an abandoned pool) while leases, fences and the Cleaner still reach this.
 *
 * <p>A hit rent: the size class of the current shape, one poll of its {@link IdleSlots}, the block
 * marked in use, its {@link PooledBlock} counting the lease, and a new {@link PinnedBuffer} around
 * the block's memory. A return: the entry counts it, the block goes back into its idle slots if
 * the shape is current and the pool open (else it is freed), and waiting renters are signalled.
 * Everything else (a miss, fences, waits, strict scopes, zeroing) branches off that path. On a miss
 * completed fences are collected, then a buffer is allocated within the budget, after reclaiming
 * pending frees and idle buffers anywhere on the budget ({@link MemoryBudget#makeRoom}) if that
 * makes room. With {@code clearOnReturn} a dirty block that comes back raises the pool's zeroing
 * flag, and the {@link Reclaimer}'s thread zeroes it while it is idle.
 *
 * <p>Thread-safe: rent and return take no lock; resize and close are serialised on the lifecycle
 * lock.
 */
final class BlockPool<A> implements PinnedBuffer.Owner<A>, MemoryBudget.IdleHolder, Reclaimer.ZeroingPool {

    /** A length that means "the full buffer size of the shape current at the rent", for {@code rent()}. */
    static final int FULL = Integer.MIN_VALUE;
    /** Times a refused rent makes room and tries again before it gives up (others may take the room first). */
    private static final int MAKE_ROOM_ATTEMPTS = 8;

    private final PoolSettings<A> settings;
    private final Allocator allocator;
    private final MemoryBudget budget;
    private final BlockLedger ledger;
    private final FencedBlocks fenced;
    private final Object lifecycle = new Object();
    private final @Nullable Throwable creationSite;
    private final Resizer<A> resizer;
    private final WaitingRent<A> waiting;
    private final PoolMetrics metrics;
    private final String who;
    // Settings the hot path reads, kept here so a rent or return reads no other object for them.
    private final boolean clearOnReturn;
    private final boolean strictSegments;
    private final boolean paranoid;
    /** log2 of the element size: bytes are {@code length << elementShift}. */
    private final int elementShift;
    /** The thread that zeroes a dirty block that came back; null without {@code clearOnReturn}. */
    private final @Nullable Reclaimer zeroing;
    /** Whether a returner asked for zeroing since the background thread's last scan of this pool. */
    private volatile boolean zeroingRequested;
    private volatile SizeClasses shape;
    private volatile boolean closed;

    BlockPool(PoolSettings<A> settings, Allocator allocator, MemoryBudget budget) {
        this.settings = settings;
        this.allocator = allocator;
        this.budget = budget;
        this.who = "pool '" + settings.name() + "'";
        this.clearOnReturn = settings.clearOnReturn();
        this.strictSegments = settings.strictSegments();
        this.paranoid = settings.leakDetection() == LeakDetectionLevel.PARANOID;
        this.elementShift = Integer.numberOfTrailingZeros(settings.type().byteSize());
        this.zeroing = clearOnReturn ? allocator.reclaimer : null;
        this.ledger = new BlockLedger(settings.name(), budget, allocator.leaks, settings.leakDetection());
        this.fenced = new FencedBlocks(who, anchor -> putBack(anchor, PooledBlock.of(anchor)), () -> budget.waiters() > 0,
                allocator.reclaimer, settings.fenceWarnAfter().toNanos(), allocator.clock);
        this.creationSite = paranoid ? new Throwable("pinned-memory pool '" + settings.name() + "' created here") : null;
        SizeClasses first = SizeClasses.of(0, settings.type(), settings.minBufferLength(), settings.bufferLength(),
                settings.maxSize());
        long needed = PoolSettings.initialBytes(settings.initialSize(), settings.bufferLength(), settings.type());
        if (!budget.tryReserve(needed)) {
            throw new MemoryBudgetExceededException(needed, budget.usedBytes(), budget.limitBytes(), settings.name(),
                    true);
        }
        this.resizer = new Resizer<>(settings, budget, allocator.backend,
                target -> allocator.allocate(ledger, target, settings.writeCombined(), who),
                block -> drop(block, false), () -> shape, next -> shape = next);
        this.waiting = new WaitingRent<>(budget, ledger.waits(), this::tryRent, this::budgetRefusal,
                this::interruptedRefusal);
        this.metrics = new PoolMetrics(ledger, fenced, () -> shape);
        resizer.warm(first, needed);
        this.shape = first;
        budget.addIdleHolder(this);
        if (zeroing != null) {
            zeroing.startZeroing(this);
        }
    }

    @Override
    public ElementType<A> elementType() {
        return settings.type();
    }

    @Override
    public String describe() {
        return who;
    }

    SizeClasses shape() {
        return shape;
    }

    PoolSettings<A> settings() {
        return settings;
    }

    PageLockingBackend backend() {
        return allocator.backend;
    }

    MemoryBudget budget() {
        return budget;
    }

    /** {@return the live view of the counters: the same object on every call} */
    PoolMetrics metrics() {
        return metrics;
    }

    boolean isClosed() {
        return closed;
    }

    /** {@return a full-size lease (of the shape current at the rent), without waiting} */
    PinnedBuffer<A> rent() {
        return rentNow(FULL);
    }

    /** {@return a lease of exactly {@code length} elements, without waiting} */
    PinnedBuffer<A> rent(int length) {
        if (length <= 0) {
            throw lengthRefusal(length, shape);   // also keeps a caller from asking for FULL
        }
        return rentNow(length);
    }

    /** {@return a full-size lease (of the shape current at the rent), waiting up to {@code maxWait} for memory} */
    PinnedBuffer<A> rent(Duration maxWait) {
        return rentWaiting(FULL, WaitingRent.nanos(maxWait));
    }

    /** {@return a lease of exactly {@code length} elements, waiting up to {@code maxWait} for memory} */
    PinnedBuffer<A> rent(int length, Duration maxWait) {
        if (length <= 0) {
            throw lengthRefusal(length, shape);
        }
        return rentWaiting(length, WaitingRent.nanos(maxWait));
    }

    private PinnedBuffer<A> rentNow(int length) {
        PinnedBuffer<A> lease = tryRent(length);
        if (lease == null) {
            throw budgetRefusal(length, null);
        }
        return lease;
    }

    private PinnedBuffer<A> rentWaiting(int length, long maxWaitNanos) {
        PinnedBuffer<A> lease = tryRent(length);
        if (lease != null) {
            return lease;
        }
        if (maxWaitNanos <= 0) {
            throw budgetRefusal(length, null);
        }
        return waiting.await(length, maxWaitNanos);
    }

    /** {@return a lease of {@code length} elements ({@link #FULL} too), or null when the budget refused a new buffer} */
    private @Nullable PinnedBuffer<A> tryRent(int length) {
        if (closed) {
            throw closedRefusal();
        }
        SizeClasses current = shape;
        SizeClass sizeClass;
        if (length == FULL) {
            sizeClass = current.largest;
            length = sizeClass.length;
        } else if (length <= current.maxLength()) {
            sizeClass = current.classFor(length);
        } else {
            throw lengthRefusal(length, current);
        }
        NativeBlock.Anchor anchor = sizeClass.idle.poll();
        if (anchor == null) {
            return rentMissed(sizeClass, current, length);
        }
        return lease(claimed(anchor), length);
    }

    /** {@return {@code anchor}, taken from an idle slot, its block now marked in use} */
    private NativeBlock.Anchor claimed(NativeBlock.Anchor anchor) {
        if (clearOnReturn) {
            anchor.block.claimFromIdle();   // the background thread may be zeroing it: wait for that chunk
        } else {
            anchor.block.markInUse();
        }
        return anchor;
    }

    /** No idle buffer: collect completed fences and look again, then allocate; null when the budget refused. */
    private @Nullable PinnedBuffer<A> rentMissed(SizeClass sizeClass, SizeClasses current, int length) {
        if (fenced.pending() > 0 && fenced.collect()) {
            NativeBlock.Anchor anchor = sizeClass.idle.poll();
            if (anchor != null) {
                return lease(claimed(anchor), length);
            }
        }
        NativeBlock.Anchor anchor = allocate(sizeClass);
        if (anchor == null) {
            return null;
        }
        ledger.countMiss(sizeClass, current.idleCount(), fenced.pending());
        return lease(anchor, length);
    }

    private NativeBlock.@Nullable Anchor allocate(SizeClass sizeClass) {
        NativeBlock.Anchor anchor = tryAllocate(sizeClass);
        if (anchor == null && allocator.reclaimer.hasPending()) {
            // Memory freed but not yet given back (cuda frees on the reclaimer) still counts: give it back now.
            allocator.reclaimer.drainNow();
            anchor = tryAllocate(sizeClass);
        }
        // Idle memory anywhere on the budget is given up for this rent, but only if that makes room.
        for (int attempt = 0; anchor == null && attempt < MAKE_ROOM_ATTEMPTS && budget.makeRoom(sizeClass.bytes); attempt++) {
            anchor = tryAllocate(sizeClass);
        }
        return anchor;
    }

    private NativeBlock.@Nullable Anchor tryAllocate(SizeClass sizeClass) {
        return allocator.tryAllocate(ledger, sizeClass, budget, settings.writeCombined(), who);
    }

    @Override
    public long idleBytes() {
        return shape.idleBytes();
    }

    @Override
    public long largestIdleBytes() {
        return shape.largestIdleBytes();
    }

    @Override
    public boolean freeLargestIdle() {
        NativeBlock.Anchor idle = shape.pollLargestIdle();
        if (idle == null) {
            return false;
        }
        drop(idle.block, true);   // on this thread: its bytes are back in the budget (cuda: cudaFreeHost ran) now
        return true;
    }

    /** {@return a new lease of {@code length} elements on {@code anchor}'s block, which this thread now holds alone} */
    private PinnedBuffer<A> lease(NativeBlock.Anchor anchor, int length) {
        NativeBlock block = anchor.block;
        PooledBlock entry = PooledBlock.of(anchor);
        long asked = (long) length << elementShift;
        entry.countRent(asked);
        if (clearOnReturn) {
            entry.zeroBeforeRent(asked);
        }
        if (paranoid) {
            block.site = new Throwable("rented from pinned-memory pool '" + settings.name() + "' here");
        }
        MemorySegment memory = strictSegments ? entry.openLeaseScope(asked) : block.segment;
        return new PinnedBuffer<>(this, anchor, memory, length, elementShift);
    }

    /** Ends {@code buffer}'s lease, or throws as {@link PinnedMemoryPool#returnBuffer} says. */
    void returnBuffer(PinnedBuffer<A> buffer) {
        if (buffer.owner != this) {
            throw new IllegalArgumentException("buffer of " + buffer.length() + " " + buffer.elementType()
                    + " elements was not rented from " + who);
        }
        NativeBlock.Anchor anchor = buffer.take();
        if (anchor == null) {
            throw new IllegalStateException("buffer of " + buffer.length() + " " + settings.type()
                    + " elements was already returned to " + who);
        }
        release(anchor);
    }

    /** Switches to buffers of {@code newLength} elements under the lifecycle lock, or throws as {@link PinnedMemoryPool#resize} says. */
    void resize(int newLength) {
        PoolSettings.checkBufferLength(settings.type(), newLength, String::valueOf);
        synchronized (lifecycle) {
            if (closed) {
                throw closedRefusal();
            }
            resizer.resize(newLength);
        }
    }

    @Override
    public void release(NativeBlock.Anchor anchor) {
        PooledBlock entry = PooledBlock.of(anchor);
        entry.countReturn();
        if (strictSegments && !entry.closeLeaseScope()) {
            // A native call still holds the lease's segment: keep the memory until it lets go.
            anchor.block.transition(NativeBlock.IN_USE, NativeBlock.FENCED);
            fenced.add(anchor, entry::closeLeaseScope);
        } else {
            putBack(anchor, entry);
        }
    }

    @Override
    public void releaseAfter(NativeBlock.Anchor anchor, TransferFence fence) {
        PooledBlock entry = PooledBlock.of(anchor);
        entry.countReturn();
        anchor.block.transition(NativeBlock.IN_USE, NativeBlock.FENCED);
        // Strict: the lease's segment stays open until the transfer is done (it may be what the transfer uses).
        fenced.add(anchor, strictSegments ? entry.afterTransfer(fence) : fence);
        Reference.reachabilityFence(anchor);
    }

    @Override
    public void segmentHandedOut(NativeBlock.Anchor anchor) {
        if (clearOnReturn && !strictSegments) {
            PooledBlock.of(anchor).expose();
        }
    }

    /**
     * Puts a block whose lease or fence ended back into its idle slots, or frees it. Completed
     * fences of other blocks are not collected here: the reclaimer polls them, and a rent that
     * would miss collects them first.
     */
    private void putBack(NativeBlock.Anchor anchor, PooledBlock entry) {
        try {
            NativeBlock block = anchor.block;
            SizeClass sizeClass = entry.sizeClass;
            if (closed || sizeClass.generation != shape.generation || block.state() == NativeBlock.FREED) {
                drop(block, false);
                return;
            }
            // The lease (or the fence queue) handed this block over exactly once: no one else changes its state now.
            boolean zero = clearOnReturn && entry.wantsZeroing(strictSegments);
            block.markIdle();
            if (!sizeClass.idle.offer(anchor)) {
                drop(block, false);
                return;
            }
            if (zero) {
                requestZeroing();
            }
            if (closed || sizeClass.generation != shape.generation) {
                // A resize or close ran between the check and the offer: nobody rents from these slots any more.
                freeIdle(sizeClass);
            }
            budget.signalWaiters();
        } finally {
            // Until the block is idle or freed, the anchor must stay reachable, or the Cleaner would take it for a leak.
            Reference.reachabilityFence(anchor);
        }
    }

    /**
     * Asks the reclaimer to come by, after a block that wants zeroing went into an idle slot. One
     * volatile read when a request is already pending, and no system call unless the reclaimer
     * sleeps, so returns stay cheap. The scan clears the flag before it starts, so a block offered
     * after a scan began is seen by that scan or triggers another.
     */
    private void requestZeroing() {
        if (!zeroingRequested) {
            zeroingRequested = true;
            zeroing.wakeForZeroing();
        }
    }

    @Override
    public boolean zeroingRequested() {
        return zeroingRequested;
    }

    /**
     * Zeroes dirty idle blocks of the current shape, a chunk at a time
     * ({@link PooledBlock#zeroIdleChunk}), until none is left or {@code deadline}
     * ({@link System#nanoTime()}) passes; what is left then stays flagged. {@return the bytes
     * zeroed} Reclaimer thread only.
     */
    @Override
    public long zeroIdle(long deadline) {
        zeroingRequested = false;
        if (closed) {
            return 0;
        }
        long zeroed = 0;
        for (SizeClass sizeClass : shape.classes) {
            IdleSlots<NativeBlock.Anchor> idle = sizeClass.idle;
            for (int i = 0; i < idle.capacity(); i++) {
                NativeBlock.Anchor anchor = idle.peek(i);
                if (anchor == null || !PooledBlock.of(anchor).wantsZeroing(strictSegments)) {
                    continue;   // a racy read of another holder's fields: only a hint, checked again under the claim
                }
                long chunk;
                while ((chunk = PooledBlock.of(anchor).zeroIdleChunk(strictSegments)) > 0) {
                    zeroed += chunk;
                    if (System.nanoTime() - deadline > 0) {
                        zeroingRequested = true;   // the rest in the next slice
                        return zeroed;
                    }
                }
            }
        }
        return zeroed;
    }

    private void drop(NativeBlock block, boolean now) {
        if (now ? block.freeNow() : block.free()) {
            ledger.countDropped();
        }
    }

    private static void freeIdle(SizeClass sizeClass) {
        for (NativeBlock.Anchor anchor : sizeClass.idle.drain()) {
            anchor.block.free();
        }
    }

    /** Closes the pool, reporting buffers still rented or fenced; {@return false if it was closed already} */
    boolean close() {
        return close(true);
    }

    private boolean close(boolean report) {
        synchronized (lifecycle) {
            if (closed) {
                return false;
            }
            closed = true;
        }
        budget.removeIdleHolder(this);
        if (zeroing != null) {
            zeroing.stopZeroing(this);
        }
        for (NativeBlock.Anchor anchor : shape.drainIdle()) {
            anchor.block.free();
        }
        budget.signalWaiters();
        if (report) {
            ledger.reportOutstanding(who, fenced.pending());
        }
        return true;
    }

    /** The Cleaner action of the pool facade: it became unreachable without {@code close()}. */
    void abandoned() {
        int idle = shape.idleCount();
        long bytes = ledger.pinnedBytes();
        if (close(false)) {
            allocator.leaks.abandoned(settings.leakDetection(), who + " (" + idle + " idle buffer(s) freed, "
                    + ledger.inUse() + " still rented and " + fenced.pending() + " fenced freed when they come back; "
                    + bytes + " pinned bytes)", creationSite);
        }
    }

    List<Throwable> rentSites() {
        return List.copyOf(ledger.rentSites());
    }

    private IllegalStateException closedRefusal() {
        return new IllegalStateException(who + " is closed");
    }

    private IllegalArgumentException lengthRefusal(int length, SizeClasses current) {
        return new IllegalArgumentException("length: " + length + " (expected: 1 to " + current.maxLength()
                + ", the buffer size of " + who + ", in " + settings.type() + " elements)");
    }

    /** {@return the refusal of a rent of {@code length} elements ({@link #FULL} too), after {@code waited} if it waited} */
    private MemoryBudgetExceededException budgetRefusal(int length, @Nullable Duration waited) {
        SizeClasses current = shape;
        long bytes = current.classFor(length == FULL ? current.maxLength() : Math.min(length, current.maxLength())).bytes;
        return waited == null
                ? new MemoryBudgetExceededException(bytes, budget.usedBytes(), budget.limitBytes(), settings.name(), false)
                : new MemoryBudgetExceededException(bytes, budget.usedBytes(), budget.limitBytes(), waited, settings.name());
    }

    private PinnedMemoryException interruptedRefusal(int length, InterruptedException cause) {
        int asked = length == FULL ? shape.maxLength() : length;
        return new PinnedMemoryException(who + ": interrupted while waiting for memory for a buffer of " + asked + " "
                + settings.type() + " elements", (long) asked << elementShift, cause);
    }

    /** {@return the pool's state and counters now: see {@link PoolStats} for how exact} */
    PoolStats stats() {
        return ledger.stats(settings, shape, fenced, allocator.backend);
    }
}
