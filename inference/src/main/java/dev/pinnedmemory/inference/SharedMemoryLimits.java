package dev.pinnedmemory.inference;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits on the system shared memory regions clients register ({@code pinned-memory.inference.shared-memory.*}
 * with the starter): how many at once, how many bytes together (every registered byte is page-locked, and also
 * counted against the pools' budget, {@code pinned-memory.max-total-size}), and how long an unregister waits for
 * the requests that use its region.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param maxRegions most regions registered at once ({@code max-regions}); a region being unregistered counts
 *     until its memory is given back
 * @param maxTotalBytes most bytes of all registered regions together ({@code max-total-size})
 * @param unregisterTimeout how long an unregister waits for the requests that use its region
 *     ({@code unregister-timeout}); after that the region takes no new request and is unmapped when the last one ends
 * @throws IllegalArgumentException naming the value unless both limits are positive and the timeout is not negative
 */
public record SharedMemoryLimits(int maxRegions, long maxTotalBytes, Duration unregisterTimeout) {

    /** 16 regions, 1 GiB together, 30 s for the requests of a region being unregistered. */
    public static final SharedMemoryLimits DEFAULTS = new SharedMemoryLimits(16, 1L << 30, Duration.ofSeconds(30));

    public SharedMemoryLimits {
        Objects.requireNonNull(unregisterTimeout, "unregisterTimeout");
        if (maxRegions < 1) {
            throw new IllegalArgumentException("maxRegions: " + maxRegions + " (expected: at least 1)");
        }
        if (maxTotalBytes < 1) {
            throw new IllegalArgumentException("maxTotalBytes: " + maxTotalBytes + " (expected: at least 1)");
        }
        if (unregisterTimeout.isNegative()) {
            throw new IllegalArgumentException("unregisterTimeout: " + unregisterTimeout + " (expected: 0 or more)");
        }
    }
}
