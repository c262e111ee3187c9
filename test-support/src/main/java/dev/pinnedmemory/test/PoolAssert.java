package dev.pinnedmemory.test;

import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on a {@link PinnedMemoryPool}'s buffers, from
 * {@link PinnedMemoryAssertions#assertThat(PinnedMemoryPool)}. Each assertion reads the pool's
 * statistics when it runs, so it holds only when the code under test has finished with the pool
 * (a buffer another thread has yet to return counts as rented). A failure names the pool and the
 * count and, when the pool runs at {@code PARANOID} leak detection, where each buffer still rented
 * was rented; otherwise it says how to turn that on.
 *
 * <p>Owns no memory and returns nothing to the pool. Not thread-safe, like every AssertJ assert:
 * use one from one thread.
 */
public final class PoolAssert extends AbstractAssert<PoolAssert, PinnedMemoryPool<?>> {

    PoolAssert(PinnedMemoryPool<?> pool) {
        super(pool, PoolAssert.class);
    }

    /**
     * Verifies that no buffer of the pool is rented: every one was returned or closed (a buffer
     * closed with {@code closeAfter} counts as returned, however long its fence takes).
     *
     * @return this assertion object
     * @throws AssertionError naming the pool, how many buffers are rented and where they were rented
     */
    public PoolAssert hasNoBuffersRented() {
        isNotNull();
        int inUse = actual.stats().inUse();
        if (inUse > 0) {
            failWithMessage("%s", expecting("to have no buffers rented")
                    + " " + PoolFindings.stillRented(inUse, actual.rentSites(), actual.leakDetection(), "  "));
        }
        return myself;
    }

    /**
     * Verifies that the pool never leaked a buffer: none became unreachable while rented. Leaks are
     * counted when the garbage collector finds the buffer, which may be long after the code that
     * dropped it ran; {@link #hasNoBuffersRented()} catches the same mistake at once.
     *
     * @return this assertion object
     * @throws AssertionError naming the pool and how many buffers it leaked
     */
    public PoolAssert hasNoLeaks() {
        isNotNull();
        long leaks = actual.stats().leaks();
        if (leaks > 0) {
            failWithMessage("%s", expecting("to have no leaks")
                    + " " + PoolFindings.leaked(leaks, actual.leakDetection()));
        }
        return myself;
    }

    /**
     * Verifies that no buffer of the pool waits on a transfer fence: every buffer closed with
     * {@code closeAfter} had its fence complete.
     *
     * @return this assertion object
     * @throws AssertionError naming the pool and how many buffers wait on a fence
     */
    public PoolAssert hasNoBuffersWaitingOnAFence() {
        isNotNull();
        int fenced = actual.stats().fenced();
        if (fenced > 0) {
            failWithMessage("%s", expecting("to have no buffers waiting on a transfer fence")
                    + " " + PoolFindings.fenced(fenced));
        }
        return myself;
    }

    /**
     * Verifies that the pool has no buffers rented and never leaked one; buffers waiting on a
     * fence are allowed. Reports both problems when both hold.
     *
     * @return this assertion object
     * @throws AssertionError naming the pool, the counts and where the rented buffers were rented
     */
    public PoolAssert isQuiet() {
        isNotNull();
        PoolStats stats = actual.stats();
        List<String> problems = new ArrayList<>(2);
        if (stats.inUse() > 0) {
            problems.add(PoolFindings.stillRented(stats.inUse(), actual.rentSites(), actual.leakDetection(), "    "));
        }
        if (stats.leaks() > 0) {
            problems.add(PoolFindings.leaked(stats.leaks(), actual.leakDetection()));
        }
        if (!problems.isEmpty()) {
            failWithMessage("%s", expecting("to be quiet (no buffers rented, no leaks)") + ":\n  - "
                    + String.join("\n  - ", problems));
        }
        return myself;
    }

    private String expecting(String what) {
        return "Expecting pinned-memory pool '" + actual.name() + "' " + what + ", but it has";
    }
}
