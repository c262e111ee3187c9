package dev.pinnedmemory;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Blocks whose lease ended with {@link PinnedBuffer#closeAfter} and whose fence has not completed:
 * held here, out of every idle set, until {@link TransferFence#isComplete()} says true; then the
 * fence is closed and the block handed to the owner's normal return. Collected by a rent that
 * would miss and by the {@link Reclaimer}, which polls
 * every set with pending fences (every 200 us while a renter waits for memory, else every 2 ms);
 * no thread per buffer. A stats read does not collect (reads have no side effects), so
 * {@code fenced} in stats can lag a completed fence by one poll interval. A fence that throws is
 * not complete: its block stays held and the error is logged once.
 *
 * <p>A fence still pending {@code warnAfter} after its lease ended is stuck: each collect (the
 * reclaimer's polls, every few milliseconds while any fence is pending) logs it once at WARN with
 * its bytes, age and (at {@code paranoid}) rent site, and counts it ({@link #stuck()}); its block
 * stays held. {@link #oldestAgeNanos()} dates the oldest pending one.
 *
 * <p>Holds the blocks' anchors, so fenced memory is never mistaken for a leak. Thread-safe; one
 * collector at a time.
 */
final class FencedBlocks {

    private static final System.Logger LOG = System.getLogger(FencedBlocks.class.getName());

    private static final class Entry {
        final NativeBlock.Anchor anchor;
        final TransferFence fence;
        final long since;
        boolean failureLogged;
        boolean stuck;

        Entry(NativeBlock.Anchor anchor, TransferFence fence, long since) {
            this.anchor = anchor;
            this.fence = fence;
            this.since = since;
        }
    }

    /** The default age from which a pending fence is stuck: {@code fence-warn-after} (10 s). */
    static final long DEFAULT_WARN_AFTER_NANOS = 10_000_000_000L;

    private final String owner;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean collecting = new AtomicBoolean();
    private final Consumer<NativeBlock.Anchor> completed;
    private final BooleanSupplier urgent;
    private final Reclaimer reclaimer;
    private final long warnAfterNanos;
    private final LongSupplier clock;
    private final LongAdder stuck = new LongAdder();

    /** Fences stuck after the default 10 s, on {@link System#nanoTime()}. */
    FencedBlocks(String owner, Consumer<NativeBlock.Anchor> completed, BooleanSupplier urgent, Reclaimer reclaimer) {
        this(owner, completed, urgent, reclaimer, DEFAULT_WARN_AFTER_NANOS, System::nanoTime);
    }

    /**
     * @param owner the owner's name for log lines, e.g. {@code pool 'frames'}
     * @param completed the owner's return for a block whose fence completed
     * @param urgent whether a renter waits for memory now (polled faster then)
     * @param warnAfterNanos how long a fence may be pending before it is stuck (positive)
     * @param clock nanosecond clock the ages are read on
     */
    FencedBlocks(String owner, Consumer<NativeBlock.Anchor> completed, BooleanSupplier urgent, Reclaimer reclaimer,
                 long warnAfterNanos, LongSupplier clock) {
        this.owner = owner;
        this.completed = completed;
        this.urgent = urgent;
        this.reclaimer = reclaimer;
        this.warnAfterNanos = warnAfterNanos;
        this.clock = clock;
    }

    /** Holds {@code anchor} until {@code fence} completes. */
    void add(NativeBlock.Anchor anchor, TransferFence fence) {
        queue.add(new Entry(anchor, fence, clock.getAsLong()));
        pending.incrementAndGet();
        reclaimer.watch(this);
    }

    /** {@return blocks whose fence has not completed} */
    int pending() {
        return pending.get();
    }

    boolean urgent() {
        return urgent.getAsBoolean();
    }

    /** {@return fences that were pending longer than the warn-after age, each counted once} */
    long stuck() {
        return stuck.sum();
    }

    /** {@return the age from which a pending fence is stuck, in nanoseconds} */
    long warnAfterNanos() {
        return warnAfterNanos;
    }

    /** {@return how long the oldest pending fence has been pending, in nanoseconds; 0 when none is} */
    long oldestAgeNanos() {
        // Entries are queued in the order their leases ended and leave from anywhere: the head is the oldest.
        Entry head = queue.peek();
        return head == null ? 0 : Math.max(0, clock.getAsLong() - head.since);
    }

    /** Hands on every block whose fence completed; {@return whether any did} Does nothing while another thread collects. */
    boolean collect() {
        if (pending.get() == 0 || !collecting.compareAndSet(false, true)) {
            return false;
        }
        boolean any = false;
        long now = clock.getAsLong();
        try {
            for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
                Entry entry = it.next();
                if (!isComplete(entry)) {
                    if (!entry.stuck && now - entry.since >= warnAfterNanos) {
                        stuck(entry, now - entry.since);
                    }
                } else {
                    it.remove();
                    try {
                        close(entry.fence);
                        completed.accept(entry.anchor);
                    } finally {
                        // Counted as fenced until it is idle or freed: whoever sees no fences left
                        // also sees the block back (stats may briefly count it twice, never miss it).
                        pending.decrementAndGet();
                    }
                    any = true;
                }
            }
        } finally {
            collecting.set(false);
        }
        return any;
    }

    private boolean isComplete(Entry entry) {
        try {
            return entry.fence.isComplete();
        } catch (Throwable failure) {
            if (!entry.failureLogged) {
                entry.failureLogged = true;
                LOG.log(System.Logger.Level.ERROR, "pinned-memory: a transfer fence of " + owner + " failed to say "
                        + "whether its transfer is done; its buffer stays held (never rented, cleared or freed) "
                        + "until the fence reports completion: " + entry.fence, failure);
            }
            return false;
        }
    }

    private void stuck(Entry entry, long ageNanos) {
        entry.stuck = true;
        stuck.increment();
        NativeBlock block = entry.anchor.block;
        Throwable site = block.site;
        String message = "pinned-memory: a transfer fence of " + owner + " has been pending for "
                + String.format("%.3f", ageNanos / 1e9) + " s (fence-warn-after: "
                + String.format("%.3f", warnAfterNanos / 1e9) + " s); its buffer of " + block.bytes
                + " bytes stays held (never rented, cleared or freed) until the fence completes: " + entry.fence
                + (site == null ? " (set pinned-memory.leak-detection=paranoid to log where it was rented)"
                : "; rented at:");
        if (site == null) {
            LOG.log(System.Logger.Level.WARNING, message);
        } else {
            LOG.log(System.Logger.Level.WARNING, message, site);
        }
    }

    private void close(TransferFence fence) {
        try {
            fence.close();
        } catch (Throwable failure) {
            LOG.log(System.Logger.Level.WARNING, "pinned-memory: closing a completed transfer fence of " + owner
                    + " failed: " + fence, failure);
        }
    }
}
