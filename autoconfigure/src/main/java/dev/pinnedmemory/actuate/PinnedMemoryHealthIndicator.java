package dev.pinnedmemory.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.BackendReport;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code pinnedMemory} health contributor. Details: the backend, whether the memory is
 * page-locked, why other backends were skipped, each pool's leaks, buffers in use, buffers
 * waiting on a transfer fence, renters waiting and rents that timed out waiting, the pinned
 * bytes, the leaks over all pools, frees the backend refused, and {@code warnings} naming each pool
 * whose renters timed out waiting within the last minute (its budget or {@code max-wait} is too
 * small for the load). DOWN when page-locking is required ({@code pinned-memory.require-page-locked})
 * but the backend or a pool is not page-locked (possible when the application supplies its own
 * backend selection, helper or pools); else {@link #STUCK_TRANSFERS} while a pool holds a transfer
 * fence pending longer than its {@code fence-warn-after} (details: {@code stuckTransfers} per pool);
 * UP otherwise: leaks have already been freed and timeouts are load, which an orchestrator should
 * not restart the service for.
 *
 * <p>{@code STUCK_TRANSFERS} is not in Spring Boot's default status order, so the overall health
 * ignores it (it stays UP, HTTP 200) and only this component says it: a transfer the GPU never
 * finishes holds memory but need not stop the service. To act on it, list it, e.g.
 * {@code management.endpoint.health.status.order=down,out-of-service,stuck-transfers,up,unknown}
 * and {@code management.endpoint.health.status.http-mapping.stuck-transfers=503}.
 *
 * <p>Reads only {@link PoolStats} snapshots; owns no memory. Thread-safe.
 */
public class PinnedMemoryHealthIndicator extends AbstractHealthIndicator {

    /** How recent a wait timeout must be for the health details to warn about it. */
    static final Duration RECENT = Duration.ofMinutes(1);

    /** The status while a transfer fence has been pending longer than its pool's {@code fence-warn-after}. */
    public static final Status STUCK_TRANSFERS = new Status("STUCK_TRANSFERS",
            "a transfer fence has been pending longer than fence-warn-after; its memory stays held");

    private final BackendReport backend;
    private final PinnedMemoryHelper helper;
    private final PinnedMemoryPools pools;
    private final boolean requirePageLocked;

    /**
     * @param backend how the pools' backend was chosen
     * @param helper the helper (its backend and the process's failed frees)
     * @param pools the pools to report
     * @param requirePageLocked whether memory that is not page-locked makes the application DOWN
     */
    public PinnedMemoryHealthIndicator(BackendReport backend, PinnedMemoryHelper helper, PinnedMemoryPools pools,
                                       boolean requirePageLocked) {
        super("Pinned memory health check failed");
        this.backend = backend;
        this.helper = helper;
        this.pools = pools;
        this.requirePageLocked = requirePageLocked;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean pageLocked = this.backend.pageLocked() && this.helper.backend().pageLocked();
        long leaks = 0;
        long now = System.currentTimeMillis();
        List<String> warnings = new ArrayList<>();
        Map<String, String> stuck = new LinkedHashMap<>();
        Map<String, Map<String, Object>> poolDetails = new LinkedHashMap<>();
        for (var entry : this.pools.asMap().entrySet()) {
            PinnedMemoryPool<?> pool = entry.getValue();
            PoolStats stats = pool.stats();
            pageLocked &= stats.pageLocked();
            leaks += stats.leaks();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("leaks", stats.leaks());
            details.put("inUse", stats.inUse());
            details.put("fenced", stats.fenced());
            details.put("waiting", stats.waiting());
            details.put("waitTimeouts", stats.waitTimeouts());
            details.put("pinnedBytes", stats.pinnedBytes());
            details.put("pageLocked", stats.pageLocked());
            details.put("stuckFences", stats.stuckFences());
            details.put("oldestFenceAgeSeconds", stats.oldestFenceAgeNanos() / 1e9);
            if (stats.fenced() > 0 && stats.oldestFenceAgeNanos() >= stats.fenceWarnAfterNanos()) {
                stuck.put(entry.getKey(), String.format("a transfer fence pending for %.1f s (fence-warn-after %.1f s); "
                        + "%d buffer(s) fenced", stats.oldestFenceAgeNanos() / 1e9, stats.fenceWarnAfterNanos() / 1e9,
                        stats.fenced()));
            }
            poolDetails.put(entry.getKey(), details);
            long lastTimeout = pool.metrics().lastWaitTimeoutMillis();
            if (lastTimeout > 0 && now - lastTimeout <= RECENT.toMillis()) {
                warnings.add("renters of pool '" + entry.getKey() + "' timed out waiting for memory in the last minute ("
                        + stats.waitTimeouts() + " in all): raise pinned-memory.max-total-size or the pool's max-wait, "
                        + "or return buffers sooner");
            }
        }
        if (this.requirePageLocked && !pageLocked) {
            builder.down().withDetail("reason", "pinned-memory.require-page-locked is true but the memory is not page-locked");
        } else if (!stuck.isEmpty()) {
            builder.status(STUCK_TRANSFERS).withDetail("stuckTransfers", stuck);
        } else {
            builder.up();
        }
        builder.withDetail("backend", this.backend.name())
                .withDetail("pageLocked", pageLocked)
                .withDetail("skipped", this.backend.skipped())
                .withDetail("pools", poolDetails)
                .withDetail("leaks", leaks)
                .withDetail("freeFailures", this.helper.freeFailures());
        if (!warnings.isEmpty()) {
            builder.withDetail("warnings", warnings);
        }
    }
}
