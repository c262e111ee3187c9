package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link PinnedMemoryPool} does: rent, return, fences, waiting, resize and close. It owns
 * the pool's state (settings, shape, books, fences, lifecycle lock) and hands its collaborators
 * only what each needs: {@link Resizer} the budget, an allocation and the shape to publish,
 * {@link WaitingRent} a rent that does not wait, {@link PoolMetrics} the books. Holds no reference
 * to the facade, so the facade can become unreachable (an abandoned pool) while leases, fences and
 * the Cleaner still reach this.
 *
 * <p>Rent: a lock-free poll of the size class's idle slots; on a miss, completed fences are
 * collected, then a buffer is allocated within the budget, after reclaiming pending frees and idle
 * buffers anywhere on the budget ({@link MemoryBudget#makeRoom}) if that makes room. Return: back
 * to the idle slots if the shape is current and the pool open, else freed. Thread-safe: rent and
 * return take no lock; resize and close are serialised on the lifecycle lock.
 */
final class PoolEngine<A> implements LeaseOwner<A>, MemoryBudget.IdleHolder {

    /** A length that means "the full buffer size of the shape current at the rent", for {@code rent()}. */
    static final int FULL = Integer.MIN_VALUE;
    /** Times a refused rent makes room and tries again before it gives up (others may take the room first). */
    private static final int MAKE_ROOM_ATTEMPTS = 8;

    private final PoolSettings<A> settings;
    private final Allocator allocator;
    private final MemoryBudget budget;
    private final PoolBooks books;
    private final FencedBlocks fenced;
    private final Object lifecycle = new Object();
    private final @Nullable Throwable creationSite;
    private final Resizer<A> resizer;
    private final WaitingRent<A> waiting;
    private final PoolMetrics metrics;
    private final String who;
    private final PoolRefusals refusals;
    private final ThreadLocal<int[]> homes;
    /** Zeroes idle buffers in the background; null without {@code clearOnReturn}. */
    private final @Nullable IdleZeroing zeroing;
    private volatile PoolShape shape;
    private volatile boolean closed;

    PoolEngine(PoolSettings<A> settings, Allocator allocator, MemoryBudget budget) {
        this.settings = settings;
        this.allocator = allocator;
        this.budget = budget;
        this.who = "pool '" + settings.name() + "'";
        this.refusals = new PoolRefusals(who, settings, budget, () -> shape);
        this.books = new PoolBooks(settings.name(), budget, allocator.leaks, settings.leakDetection());
        this.fenced = new FencedBlocks(who, this::putBack, () -> budget.waiters() > 0, allocator.reclaimer,
                settings.fenceWarnAfter().toNanos(), allocator.clock);
        this.homes = ThreadLocal.withInitial(() -> IdleSlots.newHome(settings.maxSize()));
        this.zeroing = settings.clearOnReturn() ? new IdleZeroing(this, settings.strictSegments(), allocator.reclaimer)
                : null;
        this.creationSite = settings.leakDetection() == LeakDetectionLevel.PARANOID
                ? new Throwable("pinned-memory pool '" + settings.name() + "' created here") : null;
        PoolShape first = PoolShape.of(0, settings.type(), settings.minBufferLength(), settings.bufferLength(),
                settings.maxSize());
        long needed = PoolSettings.initialBytes(settings.initialSize(), settings.bufferLength(), settings.type());
        if (!budget.tryReserve(needed)) {
            throw refusals.initial(needed);
        }
        this.resizer = new Resizer<>(settings, budget, allocator.backend,
                target -> allocator.allocate(books, target, settings.writeCombined(), who),
                block -> drop(block, false), () -> shape, next -> shape = next);
        this.waiting = new WaitingRent<>(budget, books.waits(), this::tryRent, refusals::budget,
                refusals::interrupted);
        this.metrics = new PoolMetrics(books, fenced, () -> shape);
        resizer.warm(first, needed);
        this.shape = first;
        budget.addIdleHolder(this);
        if (zeroing != null) {
            allocator.reclaimer.zeroing.start(zeroing);
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

    PoolShape shape() {
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

    /** {@return a lease of exactly {@code length} elements, waiting up to {@code maxWait} for memory} */
    PinnedBuffer<A> rent(int length, Duration maxWait) {
        if (length <= 0) {
            throw refusals.length(length, shape);   // also keeps a caller from asking for FULL
        }
        return rent(length, WaitingRent.nanos(maxWait));
    }

    /** {@return a full-size lease (of the shape current at the rent), waiting up to {@code maxWait} for memory} */
    PinnedBuffer<A> rentFull(Duration maxWait) {
        return rent(FULL, WaitingRent.nanos(maxWait));
    }

    private PinnedBuffer<A> rent(int length, long maxWaitNanos) {
        PinnedBuffer<A> lease = tryRent(length);
        if (lease != null) {
            return lease;
        }
        if (maxWaitNanos <= 0) {
            throw refusals.budget(length, null);
        }
        return waiting.await(length, maxWaitNanos);
    }

    /** {@return a lease of {@code length} elements, or null when the budget refused a new buffer} */
    private @Nullable PinnedBuffer<A> tryRent(int length) {
        if (closed) {
            throw refusals.closed();
        }
        PoolShape current = shape;
        if (length == FULL) {
            length = current.maxLength();
        } else if (length <= 0 || length > current.maxLength()) {
            throw refusals.length(length, current);
        }
        SizeClass sizeClass = current.classFor(length);
        int[] home = homes.get();
        BlockAnchor anchor = sizeClass.idle.poll(home);
        if (anchor == null && fenced.pending() > 0 && fenced.collect()) {
            anchor = sizeClass.idle.poll(home);
        }
        if (anchor != null) {
            if (zeroing != null) {
                anchor.block.claimFromIdle();   // the background thread may be zeroing it: wait for that chunk
            } else {
                anchor.block.markInUse();
            }
            return lease(anchor, length, home[0]);
        }
        anchor = allocate(sizeClass, current);
        if (anchor == null) {
            return null;
        }
        books.countMiss(sizeClass, current.idleCount(), fenced.pending());
        return lease(anchor, length, home[0]);
    }

    private @Nullable BlockAnchor allocate(SizeClass sizeClass, PoolShape current) {
        BlockAnchor anchor = tryAllocate(sizeClass);
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

    private @Nullable BlockAnchor tryAllocate(SizeClass sizeClass) {
        return allocator.tryAllocate(books, sizeClass, budget, settings.writeCombined(), who);
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
        BlockAnchor idle = shape.pollLargestIdle();
        if (idle == null) {
            return false;
        }
        drop(idle.block, true);   // on this thread: its bytes are back in the budget (cuda: cudaFreeHost ran) now
        return true;
    }

    private PinnedBuffer<A> lease(BlockAnchor anchor, int length, int slot) {
        PoolEntry entry = anchor.entry;   // a pool's anchor: never null
        NativeBlock block = anchor.block;
        long asked = bytesFor(length);
        entry.slot = slot;
        entry.countRent(asked);
        if (zeroing != null) {
            IdleZeroing.beforeRent(entry, asked);
        }
        if (settings.leakDetection() == LeakDetectionLevel.PARANOID) {
            entry.rentSite = new Throwable("rented from pinned-memory pool '" + settings.name() + "' here");
        }
        MemorySegment view;
        if (settings.strictSegments()) {
            Arena scope = Arena.ofShared();
            entry.leaseArena = scope;
            view = MemorySegment.ofAddress(block.segment.address()).reinterpret(asked, scope, null);
        } else {
            view = asked == block.bytes ? block.segment : block.segment.asSlice(0, asked);
        }
        return new PinnedBuffer<>(this, anchor, view, length);
    }

    /** Ends {@code buffer}'s lease, or throws as {@link PinnedMemoryPool#returnBuffer} says. */
    void returnBuffer(PinnedBuffer<A> buffer) {
        if (buffer.owner != this) {
            throw new IllegalArgumentException("buffer of " + buffer.length() + " " + buffer.elementType()
                    + " elements was not rented from " + who);
        }
        BlockAnchor anchor = buffer.take();
        if (anchor == null) {
            throw new IllegalStateException("buffer of " + buffer.length() + " " + settings.type()
                    + " elements was already returned to " + who);
        }
        release(anchor, buffer.extent());   // a narrowed lease: what it was rented with
    }

    /** Switches to buffers of {@code newLength} elements under the lifecycle lock, or throws as {@link PinnedMemoryPool#resize} says. */
    void resize(int newLength) {
        PoolSettings.checkBufferLength(settings.type(), newLength, String::valueOf);
        synchronized (lifecycle) {
            if (closed) {
                throw refusals.closed();
            }
            resizer.resize(newLength);
        }
    }

    @Override
    public void release(BlockAnchor anchor, int length) {
        PoolEntry entry = anchor.entry;   // a pool's anchor: never null
        endLease(entry, length);
        if (settings.strictSegments() && !LeaseScopes.close(entry)) {
            // A native call still holds the lease's segment: keep the memory until it lets go.
            anchor.block.transition(NativeBlock.IN_USE, NativeBlock.FENCED);
            fenced.add(anchor, () -> LeaseScopes.close(entry));
        } else {
            putBack(anchor);
        }
    }

    @Override
    public void releaseAfter(BlockAnchor anchor, int length, TransferFence fence) {
        PoolEntry entry = anchor.entry;   // a pool's anchor: never null
        endLease(entry, length);
        anchor.block.transition(NativeBlock.IN_USE, NativeBlock.FENCED);
        // Strict: the lease's segment stays open until the transfer is done (it may be what the transfer uses).
        fenced.add(anchor, settings.strictSegments() ? LeaseScopes.afterTransfer(fence, entry) : fence);
        Reference.reachabilityFence(anchor);
    }

    /** Counts the end of a lease and how far its holder may have written. */
    private void endLease(PoolEntry entry, int length) {
        entry.countReturn();
        long asked = bytesFor(length);
        if (settings.clearOnReturn() && asked > entry.dirtyBytes) {
            entry.dirtyBytes = asked;
        }
    }

    /** Puts a block whose lease or fence ended back into its idle slots, or frees it. */
    private void putBack(BlockAnchor anchor) {
        try {
            PoolEntry entry = anchor.entry;   // a pool's anchor: never null
            NativeBlock block = anchor.block;
            SizeClass sizeClass = entry.sizeClass;
            int from = block.state();
            if (closed || sizeClass.generation != shape.generation || from == NativeBlock.FREED) {
                drop(block, false);
                return;
            }
            // The lease (or the fence queue) handed this block over exactly once: no one else changes its state now.
            boolean zero = zeroing != null && zeroing.wanted(entry);
            block.markIdle();
            if (!sizeClass.idle.offer(anchor, entry.slot)) {
                drop(block, false);
                return;
            }
            if (zero) {
                zeroing.request();
            }
            if (closed || sizeClass.generation != shape.generation) {
                // A resize or close ran between the check and the offer: nobody rents from these slots any more.
                freeIdle(sizeClass);
            }
            if (fenced.pending() > 0) {
                fenced.collect();
            }
            budget.signalWaiters();
        } finally {
            // Until the block is idle or freed, the anchor must stay reachable, or the Cleaner would take it for a leak.
            Reference.reachabilityFence(anchor);
        }
    }

    private void drop(NativeBlock block, boolean now) {
        if (now ? block.freeNow() : block.free()) {
            books.countDropped();
        }
    }

    private static void freeIdle(SizeClass sizeClass) {
        for (BlockAnchor anchor : sizeClass.idle.drain()) {
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
            allocator.reclaimer.zeroing.stop(zeroing);
        }
        for (BlockAnchor anchor : shape.drainIdle()) {
            anchor.block.free();
        }
        budget.signalWaiters();
        if (report) {
            books.reportOutstanding(who, fenced.pending());
        }
        return true;
    }

    /** The Cleaner action of the pool facade: it became unreachable without {@code close()}. */
    void abandoned() {
        int idle = shape.idleCount();
        long bytes = books.pinnedBytes();
        if (close(false)) {
            allocator.leaks.abandoned(settings.leakDetection(), who + " (" + idle + " idle buffer(s) freed, "
                    + books.inUse() + " still rented and " + fenced.pending() + " fenced freed when they come back; "
                    + bytes + " pinned bytes)", creationSite);
        }
    }

    List<Throwable> rentSites() {
        return List.copyOf(books.rentSites());
    }

    private long bytesFor(int length) {
        return (long) length * settings.type().byteSize();
    }

    /** {@return the pool's state and counters now: see {@link PoolStats} for how exact} */
    PoolStats stats() {
        return books.stats(settings, shape, fenced, allocator.backend);
    }
}
