package dev.pinnedmemory;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Lincheck model checking of rent / return / late close of a returned lease / resize / stats. A
 * renter that found a foreign mark in its buffer would break linearizability (every sequential
 * history rents cleared buffers), so two holders of one buffer are caught. Counters live on each buffer's cache line by design (no shared atomic on the hot
 * path), so {@code stats} is exact only when the pool is quiet: {@link #quietPoolAddsUp()} checks
 * the books after every explored interleaving.
 */
@Param(name = "size", gen = IntGen.class, conf = "2:3")
public class PoolLinearizabilityTests {

    /** Held so that java.util.logging keeps the level set below. */
    private static final java.util.logging.Logger POOL_LOG = java.util.logging.Logger.getLogger(PinnedMemoryPool.class.getName());

    static {
        // Keep the resize log line quiet: formatting its first date loads locale data, which the model
        // checker would explore for minutes and then report as a hang of the pool.
        POOL_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** Started before Lincheck takes over threads started under it. */
    private static final Reclaimer RECLAIMER = new Reclaimer("lincheck-reclaimer");

    private final PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, Backends.MLOCK, RECLAIMER,
                    new LeakRecorder()).bufferSize(2).maxSize(2).leakDetection(LeakDetectionLevel.DISABLED)
            .name("lincheck").build();
    private final ConcurrentLinkedDeque<PinnedBuffer<int[]>> held = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<PinnedBuffer<int[]>> returned = new ConcurrentLinkedDeque<>();

    /** {@return what the renter found in its buffer: always 0 with clear-on-return and exclusive ownership} */
    @Operation
    public int rent() {
        PinnedBuffer<int[]> buffer = pool.rent();
        int found = buffer.segment().get(ValueLayout.JAVA_INT, 0);
        buffer.segment().set(ValueLayout.JAVA_INT, 0, 7);
        held.push(buffer);
        return found;
    }

    @Operation
    public boolean giveBack() {
        PinnedBuffer<int[]> buffer = held.poll();
        if (buffer == null) {
            return false;
        }
        pool.returnBuffer(buffer);
        returned.push(buffer);
        return true;
    }

    /**
     * Closes a lease that was already returned, as a late, buggy holder would: it must do nothing,
     * so a renter of the same memory still finds only its own mark ({@link #rent()} returns 0).
     */
    @Operation
    public boolean lateClose() {
        PinnedBuffer<int[]> stale = returned.peek();
        if (stale == null) {
            return false;
        }
        stale.close();
        return true;
    }

    @Operation
    public void resize(@Param(name = "size") int size) {
        pool.resize(size);
    }

    /**
     * Reads stats concurrently with everything else. Its result is not compared: counters are
     * kept per buffer and summed one by one, so a buffer in the middle of a return is briefly neither idle nor in use (Lincheck
     * finds that interleaving at once). {@link #quietPoolAddsUp()} checks the same numbers exactly
     * whenever the pool is quiet.
     */
    @Operation
    public void stats() {
        PoolStats stats = pool.stats();
        if (stats.inUse() < 0 || stats.idle() < 0 || stats.idle() > stats.maxSize() || stats.inUse() > 8) {
            throw new IllegalStateException("impossible stats: " + stats);
        }
    }

    @Validate
    public void quietPoolAddsUp() {
        PoolStats stats = pool.stats();
        if (stats.allocated() != stats.idle() + stats.inUse() || stats.rents() != stats.returns() + stats.inUse()
                || stats.inUse() != held.size() || stats.idle() > stats.maxSize()
                || stats.pinnedBytes() != (long) stats.idle() * stats.bufferBytes() + heldBytes()) {
            throw new IllegalStateException("books do not add up: " + stats + ", held " + held.size());
        }
    }

    private long heldBytes() {
        return held.stream().mapToLong(PinnedBuffer::byteSize).sum();
    }

    @Test
    void rentReturnResizeAndStatsShouldBeLinearizable() {
        new ModelCheckingOptions().iterations(Integer.getInteger("lincheck.iterations", 6)).invocationsPerIteration(200).threads(2).actorsPerThread(3)
                .actorsBefore(1).actorsAfter(1).check(PoolLinearizabilityTests.class);
    }
}
