package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A live, read-only view of one pool's counters, for meters: each method reads only what it
 * returns and builds no {@link PoolStats}, so a metrics scrape costs a few reads per meter. The
 * values mean what the {@code PoolStats} components of the same name mean, with the same
 * exactness (exact when the pool is quiet). Obtained from {@link PinnedMemoryPool#metrics()}.
 * Thread-safe; owns no memory.
 */
public final class PoolMetrics {

    private final BlockLedger ledger;
    private final FencedBlocks fences;
    private final Supplier<SizeClasses> shape;

    PoolMetrics(BlockLedger ledger, FencedBlocks fences, Supplier<SizeClasses> shape) {
        this.ledger = ledger;
        this.fences = fences;
        this.shape = shape;
    }

    /** {@return buffers ready to rent} */
    public int idle() {
        return shape.get().idleCount();
    }

    /** {@return buffers rented now} Walks the pool's buffers. */
    public int inUse() {
        return ledger.inUse();
    }

    /** {@return buffers waiting on a transfer fence} Each leaves this count only after it is idle or freed. */
    public int fenced() {
        return fences.pending();
    }

    /** {@return renters waiting for memory now} */
    public int waiting() {
        return ledger.waits().waiting();
    }

    /** {@return pinned bytes the pool holds now} */
    public long pinnedBytes() {
        return ledger.pinnedBytes();
    }

    /** {@return rents so far} Walks the pool's buffers. */
    public long rents() {
        return ledger.rents();
    }

    /** {@return rents served from an idle buffer} Walks the pool's buffers. */
    public long hits() {
        long misses = misses();
        return Math.max(0, rents() - misses);
    }

    /** {@return rents that allocated a new buffer} */
    public long misses() {
        return ledger.misses();
    }

    /** {@return returned buffers freed instead of kept} */
    public long dropped() {
        return ledger.dropped();
    }

    /** {@return rented buffers that leaked (became unreachable unreturned)} */
    public long leaks() {
        return ledger.leaks();
    }

    /** {@return rents that had to wait for memory} */
    public long waits() {
        return ledger.waits().waits();
    }

    /** {@return nanoseconds those rents waited, summed} */
    public long waitedNanos() {
        return ledger.waits().waitedNanos();
    }

    /** {@return rents that waited their whole {@code maxWait} and were refused} */
    public long waitTimeouts() {
        return ledger.waits().timeouts();
    }

    /** {@return when the latest waiting rent timed out ({@link System#currentTimeMillis()}), or 0 if none has} */
    public long lastWaitTimeoutMillis() {
        return ledger.waits().lastTimeoutMillis();
    }

    /** {@return bytes the rents asked for, summed} Walks the pool's buffers. */
    public long requestedBytes() {
        return ledger.askedBytes();
    }

    /** {@return bytes of the buffers that served the rents, summed} Walks the pool's buffers. */
    public long backingBytes() {
        return ledger.backingBytes();
    }

    /** {@return most pinned bytes the pool held at once since start or {@link #resetPeaks()}} */
    public long peakPinnedBytes() {
        return ledger.peakPinnedBytes();
    }

    /**
     * {@return most buffers in use at once, as seen at each rent that allocated and each read of in-use}
     * Reads in-use first (a walk of the pool's buffers), so a scrape also raises the peak to now.
     */
    public int peakInUse() {
        inUse();
        return ledger.peakInUse();
    }

    /** {@return buffers whose memory the backend allocated} */
    public long allocations() {
        return ledger.allocations().count();
    }

    /** {@return nanoseconds the backend took for those allocations, summed} */
    public long allocationNanos() {
        return ledger.allocations().totalNanos();
    }

    /** {@return the longest allocation since start or {@link #resetPeaks()}, in nanoseconds} */
    public long maxAllocationNanos() {
        return ledger.allocations().maxNanos();
    }

    /** {@return buffers whose memory the backend gave back} */
    public long frees() {
        return ledger.frees().count();
    }

    /** {@return nanoseconds the backend took for those frees, summed} */
    public long freeNanos() {
        return ledger.frees().totalNanos();
    }

    /** {@return the longest free since start or {@link #resetPeaks()}, in nanoseconds} */
    public long maxFreeNanos() {
        return ledger.frees().maxNanos();
    }

    /** {@return fences pending longer than {@code fence-warn-after}, each counted once} */
    public long stuckFences() {
        return fences.stuck();
    }

    /** {@return how long the oldest pending fence has been pending, in nanoseconds; 0 when none is} */
    public long oldestFenceAgeNanos() {
        return fences.oldestAgeNanos();
    }

    /** {@return the age from which a pending fence counts as stuck, in nanoseconds} */
    public long fenceWarnAfterNanos() {
        return fences.warnAfterNanos();
    }

    /**
     * Starts the peaks again: peak pinned bytes from the bytes held now, peak in use from the
     * buffers rented now, and the longest allocation and free from zero. Counts and sums stay.
     * The budget's peak is the budget's own ({@link MemoryBudget#resetPeak()}), as it is shared.
     */
    public void resetPeaks() {
        ledger.resetPeaks();
    }

    /**
     * {@return a view of each size class the pool serves now, smallest first} A resize replaces the
     * classes: views of old ones then read zero idle buffers and stop counting; ask again (see
     * {@link PinnedMemoryPool#addResizeListener}).
     */
    public List<SizeClassMetrics> sizeClasses() {
        List<SizeClassMetrics> views = new ArrayList<>();
        for (SizeClass sizeClass : shape.get().classes) {
            views.add(new SizeClassMetrics(ledger, sizeClass));
        }
        return List.copyOf(views);
    }

    /** A live view of one size class's counters. Thread-safe; owns no memory. */
    public static final class SizeClassMetrics {

        private final BlockLedger ledger;
        private final SizeClass sizeClass;

        SizeClassMetrics(BlockLedger ledger, SizeClass sizeClass) {
            this.ledger = ledger;
            this.sizeClass = sizeClass;
        }

        /** {@return elements per buffer of this class} */
        public int bufferLength() {
            return sizeClass.length;
        }

        /** {@return bytes per buffer of this class} */
        public long bufferBytes() {
            return sizeClass.bytes;
        }

        /** {@return buffers of this class ready to rent} */
        public int idle() {
            return sizeClass.idle.count();
        }

        /** {@return buffers of this class rented now} */
        public int inUse() {
            long leaks = sizeClass.counters.leaks.sum();
            return (int) Math.max(0, ledger.classBalance(sizeClass, true) - leaks);
        }

        /** {@return rents of this class served from an idle buffer} */
        public long hits() {
            long misses = misses();
            return Math.max(0, ledger.classBalance(sizeClass, false) - misses);
        }

        /** {@return rents of this class that allocated a new buffer} */
        public long misses() {
            return sizeClass.counters.misses.sum();
        }
    }
}
