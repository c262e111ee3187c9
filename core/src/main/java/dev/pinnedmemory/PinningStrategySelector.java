package dev.pinnedmemory;

/**
 * Chooses a {@link PinningStrategy} from a buffer's size and how often it will be reused.
 *
 * <p>{@link PinningStrategy#POOLED} when {@code expectedReuses >= reuseThreshold}; otherwise
 * {@link PinningStrategy#NONE} below {@code smallThreshold} bytes, {@link PinningStrategy#PINNED_ARRAY}
 * below {@code largeThreshold} bytes and {@link PinningStrategy#OFF_HEAP} from there on. The
 * defaults are 1 KiB, 1 MiB and 8 reuses. Immutable and thread-safe; owns no memory.
 *
 * @param smallThreshold bytes below which pinning costs more than it saves
 * @param largeThreshold bytes from which a dedicated off-heap buffer is preferred
 * @param reuseThreshold expected reuses from which pooling is preferred
 */
public record PinningStrategySelector(long smallThreshold, long largeThreshold, int reuseThreshold) {

    /** Default small threshold: 1 KiB. */
    public static final long DEFAULT_SMALL_THRESHOLD = 1024;
    /** Default large threshold: 1 MiB. */
    public static final long DEFAULT_LARGE_THRESHOLD = 1024 * 1024;
    /** Default reuse threshold: 8. */
    public static final int DEFAULT_REUSE_THRESHOLD = 8;

    private static final PinningStrategySelector DEFAULT =
            new PinningStrategySelector(DEFAULT_SMALL_THRESHOLD, DEFAULT_LARGE_THRESHOLD, DEFAULT_REUSE_THRESHOLD);

    /**
     * Validates the thresholds.
     *
     * @throws IllegalArgumentException naming the value and the rule when a threshold is negative,
     *     or when the small threshold is above the large one
     */
    public PinningStrategySelector {
        if (smallThreshold < 0) {
            throw new IllegalArgumentException("smallThreshold: " + smallThreshold + " (expected: >= 0)");
        }
        if (largeThreshold < smallThreshold) {
            throw new IllegalArgumentException("largeThreshold: " + largeThreshold
                    + " (expected: >= smallThreshold " + smallThreshold + ")");
        }
        if (reuseThreshold < 1) {
            throw new IllegalArgumentException("reuseThreshold: " + reuseThreshold + " (expected: >= 1)");
        }
    }

    /** {@return the selector with the default thresholds (1 KiB, 1 MiB, 8 reuses)} */
    public static PinningStrategySelector defaults() {
        return DEFAULT;
    }

    /**
     * {@return the strategy for the default thresholds}, like the static {@code SelectStrategy} of the
     * original C# specification.
     */
    public static PinningStrategy selectStrategy(long bufferBytes, int expectedReuses) {
        return DEFAULT.select(bufferBytes, expectedReuses);
    }

    /**
     * {@return the strategy for a buffer of {@code bufferBytes} bytes used {@code expectedReuses} times}
     *
     * @throws IllegalArgumentException if either argument is negative
     */
    public PinningStrategy select(long bufferBytes, int expectedReuses) {
        if (bufferBytes < 0) {
            throw new IllegalArgumentException("bufferBytes: " + bufferBytes + " (expected: >= 0)");
        }
        if (expectedReuses < 0) {
            throw new IllegalArgumentException("expectedReuses: " + expectedReuses + " (expected: >= 0)");
        }
        if (expectedReuses >= reuseThreshold) {
            return PinningStrategy.POOLED;
        }
        if (bufferBytes < smallThreshold) {
            return PinningStrategy.NONE;
        }
        return bufferBytes < largeThreshold ? PinningStrategy.PINNED_ARRAY : PinningStrategy.OFF_HEAP;
    }
}
