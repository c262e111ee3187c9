package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A pool's accounting: the entry of every block it holds (idle, rented or fenced), the pinned bytes,
 * the counters, and the sums that {@link PoolStats} and {@link PoolMetrics} read. Each
 * {@link PooledBlock}, as its block's owner, tells it when the block is allocated, freed (it then
 * releases the block's budget bytes, unless a resize kept them) or leaked.
 *
 * <p>Rents, returns and asked bytes are counted by each entry's holder on the entry itself, so
 * sums walk the live entries and add what freed ones left behind; an entry is folded in under the
 * same lock the sums take, so it is never counted twice or not at all. Exact when the pool is
 * quiet; under load a block in the middle of a rent or return can be off by one. Thread-safe.
 */
final class BlockLedger {

    /** Sums over a set of blocks; {@code classRents} etc. per size class of one shape. */
    record Sums(long rents, long returns, long misses, long leaks, long askedBytes, long backingBytes,
                long[] classRents, long[] classReturns, long[] classMisses, long[] classLeaks) {
    }

    private final String name;
    private final MemoryBudget budget;
    private final LeakReporter reporter;
    private final LeakDetectionLevel level;
    private final Set<PooledBlock> live = ConcurrentHashMap.newKeySet();
    private final LedgerCounters counters = new LedgerCounters();
    private final WaitCounters waits = new WaitCounters();
    private final AtomicLong pinnedBytes = new AtomicLong();
    /** Most pinned bytes held at once since start or {@link #resetPeaks}; raised where a block is allocated. */
    private final AtomicLong peakPinnedBytes = new AtomicLong();
    /** Most buffers in use seen at once: raised at each rent that allocated and at each read of in-use. */
    private final AtomicInteger peakInUse = new AtomicInteger();
    /** The backend's allocations of this pool's memory, and its frees. */
    private final BackendTimer allocations = new BackendTimer();
    private final BackendTimer frees = new BackendTimer();

    BlockLedger(String name, MemoryBudget budget, LeakReporter reporter, LeakDetectionLevel level) {
        this.name = name;
        this.budget = budget;
        this.reporter = reporter;
        this.level = level;
    }

    /** An entry's block was allocated. */
    void allocated(PooledBlock entry) {
        live.add(entry);
        long held = pinnedBytes.addAndGet(entry.block.bytes);
        peakPinnedBytes.accumulateAndGet(held, Math::max);
    }

    /** The backend took {@code nanos} to allocate a block ({@code allocation}) or to give one back. */
    void timed(boolean allocation, long nanos) {
        (allocation ? allocations : frees).record(nanos);
    }

    /** {@return {@code inUse}, after raising the peak of buffers in use to it} */
    int noteInUse(int inUse) {
        peakInUse.accumulateAndGet(inUse, Math::max);
        return inUse;
    }

    /**
     * A rent of {@code sizeClass} just allocated: counts the miss, and, as every held block that is
     * neither idle nor fenced is in use, raises the peak to that. Off the hot path (a miss has just
     * called the backend); counts idle slots.
     */
    void countMiss(SizeClass sizeClass, int idle, int fenced) {
        counters.misses.increment();
        sizeClass.counters.misses.increment();
        noteInUse(Math.max(0, live.size() - idle - fenced));
    }

    /** Counts a returned buffer freed instead of kept. */
    void countDropped() {
        counters.dropped.increment();
    }

    /** {@return the pool's waiting rents, for them to count themselves} */
    WaitCounters waits() {
        return waits;
    }

    /** {@return rents that allocated a new buffer} */
    long misses() {
        return counters.misses.sum();
    }

    /** {@return returned buffers freed instead of kept} */
    long dropped() {
        return counters.dropped.sum();
    }

    /** {@return rented buffers that leaked} */
    long leaks() {
        return counters.leaks.sum();
    }

    /** {@return pinned bytes held now} */
    long pinnedBytes() {
        return pinnedBytes.get();
    }

    /** {@return most pinned bytes held at once since start or {@link #resetPeaks}} */
    long peakPinnedBytes() {
        return peakPinnedBytes.get();
    }

    /** {@return most buffers in use seen at once since start or {@link #resetPeaks}} */
    int peakInUse() {
        return peakInUse.get();
    }

    /** {@return the backend's allocations of this pool's memory} */
    BackendTimer allocations() {
        return allocations;
    }

    /** {@return the backend's frees of this pool's memory} */
    BackendTimer frees() {
        return frees;
    }

    /** Starts the peaks again from what the pool holds and rents now, and the longest-call times from zero. */
    void resetPeaks() {
        peakPinnedBytes.set(pinnedBytes.get());
        peakInUse.set(0);
        noteInUse(inUse());
        allocations.resetMax();
        frees.resetMax();
    }

    /** An entry's block was freed (exactly once): fold its counts in, release its bytes. */
    void freed(PooledBlock entry) {
        synchronized (live) {
            counters.fold(entry);
            entry.sizeClass.counters.fold(entry);
            live.remove(entry);
        }
        pinnedBytes.addAndGet(-entry.block.bytes);
        if (!entry.budgetTransferred) {
            budget.release(entry.block.bytes);
        }
    }

    /** An entry's block became unreachable while rented. */
    void leaked(PooledBlock entry) {
        counters.leaks.increment();
        entry.sizeClass.counters.leaks.increment();
        reporter.leaked(level, entry.block.description, entry.block.site);
    }

    /** {@return the sums over every block this pool holds or held, and per class of {@code shape}} */
    private Sums sums(SizeClasses shape) {
        int classes = shape.classes.length;
        long[] classRents = new long[classes];
        long[] classReturns = new long[classes];
        long[] classMisses = new long[classes];
        long[] classLeaks = new long[classes];
        long rents;
        long returns;
        long asked;
        long backing;
        long misses;
        long leaks;
        synchronized (live) {
            // Misses and leaks first: one that happens during the walk can make in-use read low, never high.
            misses = counters.misses.sum();
            leaks = counters.leaks.sum();
            for (SizeClass c : shape.classes) {
                classMisses[c.index] = c.counters.misses.sum();
                classLeaks[c.index] = c.counters.leaks.sum();
                classRents[c.index] = c.counters.retiredRents;
                classReturns[c.index] = c.counters.retiredReturns;
            }
            rents = counters.retiredRents;
            returns = counters.retiredReturns;
            asked = counters.retiredAskedBytes;
            backing = counters.retiredBackingBytes;
            for (PooledBlock entry : live) {
                long blockRents = entry.rentCount();
                long blockReturns = entry.returnCount();
                rents += blockRents;
                returns += blockReturns;
                asked += entry.askedByteCount();
                backing += blockRents * entry.block.bytes;
                SizeClass c = entry.sizeClass;
                if (c.generation == shape.generation) {
                    classRents[c.index] += blockRents;
                    classReturns[c.index] += blockReturns;
                }
            }
        }
        return new Sums(rents, returns, misses, leaks, asked, backing, classRents, classReturns, classMisses,
                classLeaks);
    }

    /**
     * {@return a {@link PoolStats} of a pool with these settings, now serving {@code shape} from
     * {@code backend}} Whether its memory is page-locked, and the node it is bound to, are the backend's.
     */
    PoolStats stats(PoolSettings<?> settings, SizeClasses shape, FencedBlocks fences, PageLockingBackend backend) {
        int fenced = fences.pending();
        Sums sums = sums(shape);
        List<SizeClassStats> classes = new ArrayList<>(shape.classes.length);
        for (SizeClass c : shape.classes) {
            int i = c.index;
            classes.add(new SizeClassStats(c.length, c.bytes, c.idle.count(),
                    (int) Math.max(0, sums.classRents()[i] - sums.classReturns()[i] - sums.classLeaks()[i]),
                    Math.max(0, sums.classRents()[i] - sums.classMisses()[i]), sums.classMisses()[i]));
        }
        int inUse = noteInUse((int) Math.max(0, sums.rents() - sums.returns() - sums.leaks()));
        int idle = shape.idleCount();
        return new PoolStats(settings.type().name(), shape.maxLength(), shape.largest.bytes, settings.initialSize(),
                settings.maxSize(), settings.clearOnReturn(), idle, inUse, idle + inUse + fenced, sums.rents(),
                sums.returns(), Math.max(0, sums.rents() - sums.misses()), sums.misses(), counters.dropped.sum(),
                sums.leaks(), pinnedBytes.get(), backend.pageLocked(), fenced, waits.waiting(), waits.waits(),
                waits.timeouts(), sums.askedBytes(), sums.backingBytes(), classes, PageLockingBackends.nodeOf(backend), peakPinnedBytes.get(),
                peakInUse.get(), allocations.count(), allocations.totalNanos(), allocations.maxNanos(), frees.count(),
                frees.totalNanos(), frees.maxNanos(), fences.stuck(), fences.oldestAgeNanos(),
                fences.warnAfterNanos());
    }

    /** {@return rents minus returns minus leaks: buffers rented now} */
    int inUse() {
        long leaks = counters.leaks.sum();
        long balance = walk(c -> c.retiredRents - c.retiredReturns, entry -> entry.rentCount() - entry.returnCount());
        return noteInUse((int) Math.max(0, balance - leaks));
    }

    /** {@return rents served so far} */
    long rents() {
        return walk(c -> c.retiredRents, PooledBlock::rentCount);
    }

    /** {@return bytes asked by all rents so far} */
    long askedBytes() {
        return walk(c -> c.retiredAskedBytes, PooledBlock::askedByteCount);
    }

    /** {@return bytes of the buffers that served all rents so far} */
    long backingBytes() {
        return walk(c -> c.retiredBackingBytes, entry -> entry.rentCount() * entry.block.bytes);
    }

    /**
     * {@return what freed blocks left behind plus the sum over the live ones} Under the lock frees
     * fold under, so no block is counted twice or not at all; allocates only the iterator.
     */
    private long walk(ToLongFunction<LedgerCounters> retired, ToLongFunction<PooledBlock> perEntry) {
        synchronized (live) {
            long sum = retired.applyAsLong(counters);
            for (PooledBlock entry : live) {
                sum += perEntry.applyAsLong(entry);
            }
            return sum;
        }
    }

    /** {@return rents of one size class so far, or, with {@code returns}, rents minus returns} */
    long classBalance(SizeClass sizeClass, boolean minusReturns) {
        long sum;
        synchronized (live) {
            sum = sizeClass.counters.retiredRents - (minusReturns ? sizeClass.counters.retiredReturns : 0);
            for (PooledBlock entry : live) {
                if (entry.sizeClass == sizeClass) {
                    sum += entry.rentCount() - (minusReturns ? entry.returnCount() : 0);
                }
            }
        }
        return sum;
    }

    /** {@return where each buffer rented now was rented (PARANOID only; empty otherwise)} */
    List<Throwable> rentSites() {
        List<Throwable> sites = new ArrayList<>();
        for (PooledBlock entry : live) {
            Throwable site = entry.block.site;
            if (entry.block.state() == NativeBlock.IN_USE && site != null) {
                sites.add(site);
            }
        }
        return sites;
    }

    /** Logs at WARN the buffers a pool that {@code who} names still had rented or fenced when it closed. */
    void reportOutstanding(String who, int pendingFences) {
        System.Logger log = System.getLogger(PinnedMemoryPool.class.getName());
        int rented = inUse();
        if (rented > 0) {
            List<Throwable> sites = rentSites();
            log.log(System.Logger.Level.WARNING, "pinned-memory " + who + " closed with " + rented + " buffer(s) still "
                    + "rented; each is freed when it is returned" + (sites.isEmpty() ? " (set pinned-memory.leak-detection="
                    + "paranoid to record where they were rented)" : "; rented at:"));
            for (Throwable site : sites) {
                log.log(System.Logger.Level.WARNING, "still rented from " + who, site);
            }
        }
        if (pendingFences > 0) {
            log.log(System.Logger.Level.WARNING, "pinned-memory {0} closed with {1} buffer(s) waiting on a transfer "
                    + "fence; each is freed when its fence completes", who, pendingFences);
        }
    }

    @Override
    public String toString() {
        return "ledger of pool '" + name + "'";
    }
}
