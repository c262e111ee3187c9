package dev.pinnedmemory;

import dev.pinnedmemory.backend.NumaNode;

import java.time.Duration;

/**
 * The setters of a pool's settings on {@link PinnedMemoryPool.Builder}: each one hands its value to
 * the {@link PoolSettings.Builder} underneath, where the setting is described and its rule is
 * checked (once, when the pool is built). Kept apart so the pool's builder holds only what is its
 * own: the backend and the budget. Not thread-safe; build on one thread.
 *
 * @param <A> the primitive array type of the elements
 * @param <B> the builder these setters return, for chaining
 */
abstract class PoolSettingSetters<A, B extends PoolSettingSetters<A, B>> {

    final PoolSettings.Builder<A> settings;

    PoolSettingSetters(PoolSettings.Builder<A> settings) {
        this.settings = settings;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Elements per buffer (the largest size class); required, positive. */
    public B bufferSize(int bufferSize) {
        settings.bufferSize(bufferSize);
        return self();
    }

    /** The smallest size class in elements (default 0: none): {@link PoolSettings.Builder#minBufferSize}. */
    public B minBufferSize(int minBufferSize) {
        settings.minBufferSize(minBufferSize);
        return self();
    }

    /** Buffers allocated up front and after each resize (default 0). */
    public B initialSize(int initialSize) {
        settings.initialSize(initialSize);
        return self();
    }

    /** Most idle buffers kept per size class (default 20, at most {@value PinnedMemoryPool#MAX_IDLE_BUFFERS}); returns beyond it are freed. */
    public B maxSize(int maxSize) {
        settings.maxSize(maxSize);
        return self();
    }

    /** Whether a returned buffer is zeroed before it is rented again (default true): {@link PoolSettings.Builder#clearOnReturn}. */
    public B clearOnReturn(boolean clearOnReturn) {
        settings.clearOnReturn(clearOnReturn);
        return self();
    }

    /** How long {@link PinnedMemoryPool#rentWaiting()} waits for memory (default 0: fail fast). */
    public B maxWait(Duration maxWait) {
        settings.maxWait(maxWait);
        return self();
    }

    /** Whether to ask for write-combined memory (default false; {@code cuda} only): {@link PoolSettings.Builder#writeCombined}. */
    public B writeCombined(boolean writeCombined) {
        settings.writeCombined(writeCombined);
        return self();
    }

    /** Whether each lease gets a segment of its own that throws once the lease ends (default false). */
    public B strictSegments(boolean strictSegments) {
        settings.strictSegments(strictSegments);
        return self();
    }

    /** How leaks are reported (default {@link LeakDetector#defaultLevel()}). */
    public B leakDetection(LeakDetectionLevel leakDetection) {
        settings.leakDetection(leakDetection);
        return self();
    }

    /** Threads that allocate the initial buffers (default: processors, at most 4): {@link PoolSettings.Builder#warmupThreads}. */
    public B warmupThreads(int warmupThreads) {
        settings.warmupThreads(warmupThreads);
        return self();
    }

    /** How long a transfer fence may stay pending before it counts as stuck (default 10 s, at most 100 days). */
    public B fenceWarnAfter(Duration fenceWarnAfter) {
        settings.fenceWarnAfter(fenceWarnAfter);
        return self();
    }

    /** The name in logs, stats and metrics (default {@code pool-N}; not blank). */
    public B name(String name) {
        settings.name(name);
        return self();
    }

    /** The NUMA node to bind the pool's memory to (default none): {@link PoolSettings.Builder#numaNode}. */
    public B numaNode(NumaNode numaNode) {
        settings.numaNode(numaNode);
        return self();
    }
}
