package dev.pinnedmemory;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A hard limit on the pinned bytes held by the pools that share it ({@code pinned-memory.max-total-size}).
 * Pools reserve bytes before they allocate a buffer and release them once its memory is given
 * back; a reservation over the limit is refused, atomically, so no interleaving of rents,
 * returns, resizes, warm-ups and closes on any number of pools makes {@link #usedBytes()} exceed
 * {@link #limitBytes()}. A limit of 0 means unlimited (bytes are still counted).
 *
 * <p>It is also where renters wait ({@link PinnedMemoryPool#rent(java.time.Duration)}): every
 * release, and every buffer that goes back to an idle set of a pool on this budget, wakes them.
 *
 * <p>Idle memory is shared. Every open pool on the budget is registered here as a holder of idle
 * memory; when the budget refuses a new buffer to a pool (plain or waiting rent), idle buffers
 * anywhere on the budget, this pool's other size classes and other pools alike, are freed, largest
 * first, until the buffer fits, so one pool's idle buffers (its {@code initialSize} warm start, or
 * buffers it kept from a burst) never starve another pool's renters. Rented and fenced memory is
 * never taken. Nothing is freed when the buffer could not fit even with all idle memory given back.
 * Largest first, because it frees the fewest buffers for the room needed (each free and each later
 * re-allocation is a system call, and page-locking is slow), and because it needs no time stamp on
 * the return path, which stays as cheap as it was.
 *
 * <p>Pools reserve and release their own bytes: users read the limit, the bytes used and the peak,
 * and may reset the peak, but cannot change a reservation that a pool holds. Memory held outside any
 * pool (a client's shared memory region that the inference server page-locks) is counted with
 * {@link #reserve(long, String)}: a {@link Reservation} of its own, which only its holder ends.
 *
 * <p>Owns no memory, only counts it. Thread-safe: reservations are lock-free; only waiting
 * renters take a (fair) lock.
 */
public final class MemoryBudget {

    /** Most buffers one {@link #makeRoom} frees before it lets its caller try again (races make it retry anyway). */
    private static final int MAX_FREES_PER_ATTEMPT = 1024;

    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();
    private final AtomicLong changes = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    /** The open pools on this budget; each removes itself when it is closed (also when it was abandoned). */
    private final Set<IdleHolder> holders = ConcurrentHashMap.newKeySet();

    /**
     * What holds idle memory on a budget: a pool's engine (never the pool facade, so a registration
     * keeps no abandoned pool reachable). Called without any lock held.
     */
    interface IdleHolder {
        /** {@return the bytes of the idle buffers held now} */
        long idleBytes();

        /** {@return the bytes of the largest idle buffer held now, 0 when none} */
        long largestIdleBytes();

        /** Frees one of the largest idle buffers, giving its bytes back before it returns; {@return whether it freed one} */
        boolean freeLargestIdle();
    }

    /**
     * @param limitBytes the most bytes the pools may hold together; 0 for unlimited
     * @throws IllegalArgumentException if negative
     */
    public MemoryBudget(long limitBytes) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: >= 0, 0 for unlimited)");
        }
        this.limitBytes = limitBytes;
    }

    /** {@return a new unlimited budget} */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(0);
    }

    /** {@return the limit in bytes, 0 for unlimited} */
    public long limitBytes() {
        return limitBytes;
    }

    /** {@return the bytes reserved now; never more than the limit} */
    public long usedBytes() {
        return usedBytes.get();
    }

    /**
     * {@return whether {@code bytes} more would fit now, counting {@code reclaimableBytes} as already
     * given back} A hint: others may reserve meanwhile; only a reservation is a promise.
     *
     * @throws IllegalArgumentException if either is negative
     */
    boolean wouldFit(long bytes, long reclaimableBytes) {
        if (bytes < 0 || reclaimableBytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + ", reclaimableBytes: " + reclaimableBytes
                    + " (expected: >= 0)");
        }
        long afterGivingBack = Math.max(0, usedBytes.get() - reclaimableBytes);
        return limitBytes == 0 || bytes <= limitBytes - afterGivingBack;
    }

    /**
     * Reserves {@code bytes}.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws MemoryBudgetExceededException with the requested, used and limit bytes when it would not fit
     */
    void reserve(long bytes) {
        if (!tryReserve(bytes)) {
            throw new MemoryBudgetExceededException(bytes, usedBytes.get(), limitBytes);
        }
    }

    /**
     * Reserves {@code bytes} for memory that no pool holds but that is locked all the same (a client's
     * shared memory region the inference server page-locks), so the limit counts it as it counts pool
     * memory. When the bytes do not fit, idle buffers of the pools on this budget are freed first,
     * largest first, as for a rent; then, if they still do not fit, the reservation is refused.
     *
     * {@snippet :
     * try (MemoryBudget.Reservation reservation = budget.reserve(regionBytes, "shared memory region 'input0'")) {
     *     ... lock and use the region ...
     * }   // the bytes are given back, once
     * }
     *
     * @param bytes how many bytes, at least 0
     * @param holder who holds them, for the refusal's message and {@link Reservation#holder()}
     * @return the reservation, which the caller owns: closing it gives the bytes back exactly once
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws MemoryBudgetExceededException naming {@code holder} and the requested, used and limit bytes
     */
    public Reservation reserve(long bytes, String holder) {
        Objects.requireNonNull(holder, "holder");
        if (!tryReserve(bytes) && !(makeRoom(bytes) && tryReserve(bytes))) {
            throw new MemoryBudgetExceededException(bytes, usedBytes.get(), limitBytes, holder);
        }
        return new Reservation(this, bytes, holder);
    }

    /**
     * Bytes reserved on a budget by {@link #reserve(long, String)} for memory no pool holds; closing it
     * gives them back. Owned by whoever reserved them. Thread-safe: the first {@link #close()} gives the
     * bytes back, later ones (from any thread) do nothing.
     */
    public static final class Reservation implements AutoCloseable {

        private final MemoryBudget budget;
        private final long bytes;
        private final String holder;
        private final AtomicBoolean released = new AtomicBoolean();

        private Reservation(MemoryBudget budget, long bytes, String holder) {
            this.budget = budget;
            this.bytes = bytes;
            this.holder = holder;
        }

        /** {@return the bytes reserved} */
        public long bytes() {
            return bytes;
        }

        /** {@return who holds them, as given to {@link MemoryBudget#reserve(long, String)}} */
        public String holder() {
            return holder;
        }

        /** {@return whether {@link #close()} gave the bytes back} */
        public boolean isReleased() {
            return released.get();
        }

        /** Gives the bytes back to the budget and wakes renters waiting for memory; a second call does nothing. */
        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                budget.release(bytes);
            }
        }

        @Override
        public String toString() {
            return "MemoryBudget.Reservation[" + bytes + " bytes for " + holder + (released.get() ? ", released" : "") + "]";
        }
    }

    /** {@return whether {@code bytes} were reserved}: the atomic check-and-reserve every reservation goes through */
    boolean tryReserve(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        long used;
        do {
            used = usedBytes.get();
            if (limitBytes != 0 && (bytes > limitBytes || used > limitBytes - bytes)) {
                return false;
            }
        } while (!usedBytes.compareAndSet(used, used + bytes));
        peakBytes.accumulateAndGet(used + bytes, Math::max);
        return true;
    }

    /** {@return the most bytes reserved at once since the budget was made or {@link #resetPeak()}} */
    public long peakBytes() {
        return Math.max(peakBytes.get(), usedBytes.get());
    }

    /** Starts the peak again from the bytes reserved now. */
    public void resetPeak() {
        peakBytes.set(usedBytes.get());
    }

    /**
     * Gives back {@code bytes} reserved earlier, and wakes renters waiting for memory.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative or more than is reserved now
     *     (nothing is changed then)
     */
    void release(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        long used;
        do {
            used = usedBytes.get();
            if (bytes > used) {
                throw new IllegalArgumentException("release of " + bytes + " bytes (expected: at most the " + used
                        + " bytes reserved now)");
            }
        } while (!usedBytes.compareAndSet(used, used - bytes));
        signalWaiters();
    }

    void addIdleHolder(IdleHolder holder) {
        holders.add(holder);
    }

    void removeIdleHolder(IdleHolder holder) {
        holders.remove(holder);
    }

    /** {@return the idle bytes of every pool on this budget now} A hint: renters and returners move it meanwhile. */
    long idleBytes() {
        long idle = 0;
        for (IdleHolder holder : holders) {
            idle += holder.idleBytes();
        }
        return idle;
    }

    /**
     * Frees idle buffers of the pools on this budget, largest first, until {@code bytes} more would
     * fit. Frees nothing when they would not fit even with every idle buffer given back (rented and
     * fenced memory stays), and nothing on an unlimited budget. Takes no lock: two pools that make
     * room at once only race for the same idle slots, which hand each buffer to one of them.
     *
     * @return whether {@code bytes} fit now (a hint: the caller's reservation may still lose a race)
     */
    boolean makeRoom(long bytes) {
        if (limitBytes == 0 || bytes > limitBytes) {
            return false;
        }
        for (int freed = 0; freed < MAX_FREES_PER_ATTEMPT; freed++) {
            if (wouldFit(bytes, 0)) {
                return true;
            }
            if (!wouldFit(bytes, idleBytes())) {
                return false;
            }
            if (!freeLargestIdle()) {
                return wouldFit(bytes, 0);
            }
        }
        return wouldFit(bytes, 0);
    }

    private boolean freeLargestIdle() {
        IdleHolder largest = null;
        long largestBytes = 0;
        for (IdleHolder holder : holders) {
            long bytes = holder.largestIdleBytes();
            if (bytes > largestBytes) {
                largest = holder;
                largestBytes = bytes;
            }
        }
        if (largest != null && largest.freeLargestIdle()) {
            return true;
        }
        // The largest was rented meanwhile: any idle buffer will do.
        for (IdleHolder holder : holders) {
            if (holder.freeLargestIdle()) {
                return true;
            }
        }
        return false;
    }

    /** {@return renters waiting now, over all pools on this budget} */
    int waiters() {
        return waiters.get();
    }

    /**
     * Wakes waiting renters: call after memory was released or a buffer went idle. One volatile
     * read when nobody waits, so returns stay cheap.
     */
    void signalWaiters() {
        if (waiters.get() == 0) {
            return;
        }
        changes.incrementAndGet();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers a waiting renter. A renter that registers, then reads {@link #changes()}, then tries
     * to rent, and then {@link #awaitChange waits} for a change after that reading misses no
     * wake-up: a releaser publishes its memory before it reads {@code waiters}.
     */
    void enterWait() {
        waiters.incrementAndGet();
    }

    void exitWait() {
        waiters.decrementAndGet();
    }

    /** {@return a counter that moves whenever waiters are signalled} */
    long changes() {
        return changes.get();
    }

    /**
     * Waits until {@link #changes()} moves past {@code seen} or {@code nanos} pass. Waiters wake in
     * the order they started waiting (a fair lock), so they are served roughly in order.
     *
     * @return the nanoseconds left
     * @throws InterruptedException if interrupted while waiting
     */
    long awaitChange(long seen, long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (changes.get() == seen && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return nanos;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "MemoryBudget[used " + usedBytes.get() + " of " + (limitBytes == 0 ? "unlimited" : limitBytes + " bytes")
                + (waiters.get() > 0 ? ", " + waiters.get() + " waiting" : "") + "]";
    }
}
