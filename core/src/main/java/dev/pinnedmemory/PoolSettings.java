package dev.pinnedmemory;

import java.time.Duration;

/**
 * A pool's validated, immutable settings, made once by {@link PinnedMemoryPool.Builder#build()}.
 * Lengths count elements. Every size, count and product of them has been checked, so the pool's
 * arithmetic cannot overflow.
 *
 * @param name the name in logs, stats and metrics
 * @param type the element type
 * @param bufferLength elements per buffer (the largest size class)
 * @param minBufferLength the smallest size class, or 0 for one size only
 * @param initialSize buffers allocated up front and after each resize
 * @param maxSize most idle buffers kept per size class
 * @param clearOnReturn whether a buffer is zeroed before it is rented again
 * @param maxWait how long {@link PinnedMemoryPool#rentWaiting()} waits for memory
 * @param writeCombined whether to ask the backend for write-combined memory
 * @param strictSegments whether each lease gets a segment of its own that fails once the lease ends
 * @param leakDetection how leaks are reported
 * @param warmupThreads threads that allocate the initial buffers
 * @param numaNode the NUMA node the memory is bound to, or -1 when it is not bound
 * @param fenceWarnAfter how long a transfer fence may be pending before it is logged and counted as stuck
 * @param <A> the primitive array type
 */
record PoolSettings<A>(String name, ElementType<A> type, int bufferLength, int minBufferLength, int initialSize,
                       int maxSize, boolean clearOnReturn, Duration maxWait, boolean writeCombined,
                       boolean strictSegments, LeakDetectionLevel leakDetection, int warmupThreads,
                       int numaNode, Duration fenceWarnAfter) {

    /** Most idle buffers a pool keeps per size class: {@value}. */
    static final int MAX_IDLE = PinnedMemoryPool.MAX_IDLE_BUFFERS;

    /**
     * Checks every rule.
     *
     * @throws IllegalArgumentException naming the setting, the value and the limit
     */
    PoolSettings {
        if (bufferLength <= 0) {
            throw new IllegalArgumentException("bufferSize: " + bufferLength + " (expected: > 0 elements)");
        }
        if (minBufferLength < 0 || minBufferLength > bufferLength) {
            throw new IllegalArgumentException("minBufferSize: " + minBufferLength + " (expected: 0 for no size classes, "
                    + "or 1 to bufferSize " + bufferLength + " elements)");
        }
        if (maxSize < 0 || maxSize > MAX_IDLE) {
            throw new IllegalArgumentException("maxSize: " + maxSize + " (expected: 0 to " + MAX_IDLE + ")");
        }
        if (initialSize < 0 || initialSize > maxSize) {
            throw new IllegalArgumentException("initialSize: " + initialSize + " (expected: 0 to maxSize " + maxSize + ")");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: >= 0, 0 to fail fast)");
        }
        if (numaNode < -1) {
            throw new IllegalArgumentException("numaNode: " + numaNode + " (expected: -1 for none, or a node number)");
        }
        if (!fenceWarnAfter.isPositive() || fenceWarnAfter.compareTo(MAX_FENCE_WARN_AFTER) > 0) {
            throw new IllegalArgumentException("fenceWarnAfter: " + fenceWarnAfter + " (expected: > 0 and at most "
                    + MAX_FENCE_WARN_AFTER + ")");
        }
        initialBytes(initialSize, bufferLength, type);
    }

    /** {@return these settings with {@code numaNode} instead} */
    PoolSettings<A> withNumaNode(int numaNode) {
        return new PoolSettings<>(name, type, bufferLength, minBufferLength, initialSize, maxSize, clearOnReturn, maxWait,
                writeCombined, strictSegments, leakDetection, warmupThreads, numaNode,
                fenceWarnAfter);
    }

    /** Longest {@code fenceWarnAfter}: 100 days, well inside a nanosecond {@code long}. */
    static final Duration MAX_FENCE_WARN_AFTER = Duration.ofDays(100);

    /** {@return the bytes of {@code count} buffers of {@code length} elements} @throws IllegalArgumentException on overflow */
    static long initialBytes(int count, int length, ElementType<?> type) {
        try {
            return Math.multiplyExact((long) count, Math.multiplyExact((long) length, type.byteSize()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("initialSize " + count + " x bufferSize " + length + " " + type
                    + " elements overflows (expected: at most " + Long.MAX_VALUE + " bytes)");
        }
    }
}
