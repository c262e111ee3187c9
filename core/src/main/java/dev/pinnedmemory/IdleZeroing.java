package dev.pinnedmemory;

/**
 * Zeroes the idle buffers of a {@code clearOnReturn} pool on the {@link Reclaimer}'s thread, after
 * they come back, so that a rent usually finds its buffer already clean and zeroes at most what the
 * background has not reached yet (the renter's own thread then never pays a {@code memset} of the
 * whole buffer).
 *
 * <p>What is dirty is a prefix: {@code dirtyBytes} of a block, as far as earlier holders may have
 * written. The background zeroes it from its end, one {@value #CHUNK_BYTES}-byte chunk at a time,
 * each chunk under an exclusive claim ({@code IDLE -> CLEANING -> IDLE} on the block's state), and
 * shortens the prefix after each. A renter that takes the block meanwhile waits for the chunk in
 * progress (never longer) and zeroes the rest of the prefix itself, as far as its lease reaches; a
 * free waits the same way, so memory is never written while rented or after it was given back.
 *
 * <p>A block whose own segment a lease handed out ({@code segment()} without strict segments) is
 * never zeroed here: that segment may be kept and written after close at any moment, so only a
 * clear at rent time keeps such writes from the next renter. Such blocks keep today's rule: zeroed
 * at every rent. With strict segments a kept segment throws once its lease ended, so every block
 * is zeroed here.
 *
 * <p>Belongs to one pool; {@link #request()} is called by returners (any thread), {@link #run} by
 * the reclaimer's thread only.
 */
final class IdleZeroing {

    /** Bytes zeroed per exclusive claim: the longest a renter or a free ever waits for the background. */
    static final long CHUNK_BYTES = 64 << 10;

    private final PoolEngine<?> pool;
    private final boolean strictSegments;
    private final Reclaimer reclaimer;
    private volatile boolean requested;

    IdleZeroing(PoolEngine<?> pool, boolean strictSegments, Reclaimer reclaimer) {
        this.pool = pool;
        this.strictSegments = strictSegments;
        this.reclaimer = reclaimer;
    }

    /**
     * {@return whether the background may zero {@code block} for the next renter} Read by its holder
     * before it puts it back; again, under the claim, by the background.
     */
    boolean wanted(PoolEntry entry) {
        return entry.dirtyBytes > 0 && (strictSegments || !entry.exposed);
    }

    /**
     * Zeroes what a renter of {@code asked} bytes will see and the background has not reached, also
     * what a segment kept by an earlier holder wrote after it returned (such a block is never zeroed
     * in the background). Called by the renter, which holds the block alone.
     */
    static void beforeRent(PoolEntry entry, long asked) {
        long dirty = entry.dirtyBytes;
        if (dirty > 0) {
            NativeBlock block = entry.block;
            (dirty >= block.bytes && asked >= block.bytes ? block.segment
                    : block.segment.asSlice(0, Math.min(dirty, asked))).fill((byte) 0);
            entry.dirtyBytes = dirty > asked ? dirty : 0;
        }
    }

    /**
     * Asks the reclaimer to come by, after a block that {@link #wanted} it went into an idle slot.
     * One volatile read when a request is already pending, and no system call unless the reclaimer
     * sleeps, so returns stay cheap. The reclaimer clears the flag before it scans, so a block
     * offered after a scan began is seen by that scan or triggers another.
     */
    void request() {
        if (!requested) {
            requested = true;
            reclaimer.zeroing.requested();
        }
    }

    /** {@return whether a returner asked for zeroing since the last scan began} */
    boolean requested() {
        return requested;
    }

    /**
     * Zeroes dirty idle blocks of the pool's current shape until none is left or {@code deadline}
     * ({@link System#nanoTime()}) passes; what is left then stays flagged. {@return the bytes zeroed}
     * Reclaimer thread only.
     */
    long run(long deadline) {
        requested = false;
        if (pool.isClosed()) {
            return 0;
        }
        long zeroed = 0;
        for (SizeClass sizeClass : pool.shape().classes) {
            IdleSlots<BlockAnchor> idle = sizeClass.idle;
            for (int i = 0; i < idle.capacity(); i++) {
                BlockAnchor anchor = idle.peek(i);
                if (anchor == null || !wanted(anchor.entry())) {
                    continue;   // a racy read of another holder's fields: only a hint, checked again under the claim
                }
                long chunk;
                while ((chunk = zeroChunk(anchor.entry())) > 0) {
                    zeroed += chunk;
                    if (System.nanoTime() - deadline > 0) {
                        requested = true;   // the rest in the next slice
                        return zeroed;
                    }
                }
            }
        }
        return zeroed;
    }

    /** Zeroes the last chunk of the dirty prefix; {@return its bytes, 0 when nothing was left or the block is not idle} */
    private long zeroChunk(PoolEntry entry) {
        NativeBlock block = entry.block;
        if (!block.startCleaning()) {
            return 0;   // rented, or being freed: its next return asks again
        }
        try {
            long dirty = entry.dirtyBytes;
            if (!wanted(entry)) {
                return 0;
            }
            long from = Math.max(0, dirty - CHUNK_BYTES);
            block.segment.asSlice(from, dirty - from).fill((byte) 0);
            entry.dirtyBytes = from;
            return dirty - from;
        } finally {
            block.endCleaning();
        }
    }
}
