package dev.pinnedmemory.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.autoconfigure.PinnedMemoryPools;
import dev.pinnedmemory.backend.BackendReport;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code pinnedMemory} health contributor. Details: the backend, whether the memory is
 * page-locked, why other backends were skipped, each pool's leaks, buffers in use and pinned
 * bytes, and the leaks over all pools. DOWN when page-locking is required
 * ({@code pinned-memory.require-page-locked}) but the backend or a pool is not page-locked
 * (possible when the application supplies its own backend selection, helper or pools), UP
 * otherwise. Leaks are reported, not judged: they have already been freed.
 *
 * <p>Reads only {@link PoolStats} snapshots; owns no memory. Thread-safe.
 */
public class PinnedMemoryHealthIndicator extends AbstractHealthIndicator {

    private final BackendReport backend;
    private final boolean helperPageLocked;
    private final PinnedMemoryPools pools;
    private final boolean requirePageLocked;

    /**
     * @param backend how the pools' backend was chosen
     * @param helperPageLocked whether the helper's backend page-locks
     * @param pools the pools to report
     * @param requirePageLocked whether memory that is not page-locked makes the application DOWN
     */
    public PinnedMemoryHealthIndicator(BackendReport backend, boolean helperPageLocked, PinnedMemoryPools pools,
                                       boolean requirePageLocked) {
        super("Pinned memory health check failed");
        this.backend = backend;
        this.helperPageLocked = helperPageLocked;
        this.pools = pools;
        this.requirePageLocked = requirePageLocked;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean pageLocked = this.backend.pageLocked() && this.helperPageLocked;
        long leaks = 0;
        Map<String, Map<String, Object>> poolDetails = new LinkedHashMap<>();
        for (var entry : this.pools.asMap().entrySet()) {
            PoolStats stats = entry.getValue().stats();
            pageLocked &= stats.pageLocked();
            leaks += stats.leaks();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("leaks", stats.leaks());
            details.put("inUse", stats.inUse());
            details.put("pinnedBytes", stats.pinnedBytes());
            details.put("pageLocked", stats.pageLocked());
            poolDetails.put(entry.getKey(), details);
        }
        if (this.requirePageLocked && !pageLocked) {
            builder.down().withDetail("reason", "pinned-memory.require-page-locked is true but the memory is not page-locked");
        } else {
            builder.up();
        }
        builder.withDetail("backend", this.backend.name())
                .withDetail("pageLocked", pageLocked)
                .withDetail("skipped", this.backend.skipped())
                .withDetail("pools", poolDetails)
                .withDetail("leaks", leaks);
    }
}
