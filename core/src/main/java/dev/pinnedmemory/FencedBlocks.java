package dev.pinnedmemory;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Blocks whose lease ended with {@link PinnedBuffer#closeAfter} and whose fence has not completed:
 * held here, out of every idle set, until {@link TransferFence#isComplete()} says true; then the
 * fence is closed and the block handed to the owner's normal return. Collected by whoever comes
 * by (a rent that would miss, a return) and by the {@link Reclaimer}, which polls
 * every set with pending fences (every 200 us while a renter waits for memory, else every 2 ms);
 * no thread per buffer. A stats read does not collect (reads have no side effects), so
 * {@code fenced} in stats can lag a completed fence by one poll interval. A fence that throws is
 * not complete: its block stays held and the error is logged once.
 *
 * <p>Holds the blocks' anchors, so fenced memory is never mistaken for a leak. Thread-safe; one
 * collector at a time.
 */
final class FencedBlocks {

    private static final System.Logger LOG = System.getLogger(FencedBlocks.class.getName());

    private static final class Entry {
        final BlockAnchor anchor;
        final TransferFence fence;
        boolean failureLogged;

        Entry(BlockAnchor anchor, TransferFence fence) {
            this.anchor = anchor;
            this.fence = fence;
        }
    }

    private final String owner;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean collecting = new AtomicBoolean();
    private final Consumer<BlockAnchor> completed;
    private final BooleanSupplier urgent;
    private final Reclaimer reclaimer;

    /**
     * @param owner the owner's name for log lines, e.g. {@code pool 'frames'}
     * @param completed the owner's return for a block whose fence completed
     * @param urgent whether a renter waits for memory now (polled faster then)
     */
    FencedBlocks(String owner, Consumer<BlockAnchor> completed, BooleanSupplier urgent, Reclaimer reclaimer) {
        this.owner = owner;
        this.completed = completed;
        this.urgent = urgent;
        this.reclaimer = reclaimer;
    }

    /** Holds {@code anchor} until {@code fence} completes. */
    void add(BlockAnchor anchor, TransferFence fence) {
        queue.add(new Entry(anchor, fence));
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

    /** Hands on every block whose fence completed; {@return whether any did} Does nothing while another thread collects. */
    boolean collect() {
        if (pending.get() == 0 || !collecting.compareAndSet(false, true)) {
            return false;
        }
        boolean any = false;
        try {
            for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
                Entry entry = it.next();
                if (isComplete(entry)) {
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

    private void close(TransferFence fence) {
        try {
            fence.close();
        } catch (Throwable failure) {
            LOG.log(System.Logger.Level.WARNING, "pinned-memory: closing a completed transfer fence of " + owner
                    + " failed: " + fence, failure);
        }
    }
}
