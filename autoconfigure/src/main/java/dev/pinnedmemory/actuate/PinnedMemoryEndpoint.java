package dev.pinnedmemory.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.InvalidPoolSettingException;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.BackendReport;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.util.unit.DataSize;

/**
 * The {@code pinnedmemory} Actuator endpoint: the backend and every pool's statistics, one pool's
 * statistics, the budget they share, one pool's peaks ({@code /{pool}/peaks}), resizing a pool
 * ({@code bufferSize} in bytes, e.g. {@code "8MB"}), and resetting peaks ({@code DELETE
 * /{pool}/peaks} for one pool, {@code DELETE /peaks} for every pool and the budget). Technology
 * independent; {@link PinnedMemoryEndpointWebExtension} adds the HTTP status codes of a refusal.
 *
 * <p>Read-only by default, like Spring Boot's {@code heapdump}: a resize locks memory on the host,
 * and a reset loses what an operator may still want to read, so both need
 * {@code management.endpoint.pinnedmemory.access=unrestricted} (a {@code POST} or {@code DELETE}
 * is answered 405 otherwise). Reads only {@link PoolStats} snapshots; a resize goes through
 * {@link PinnedMemoryPool#resize(int)}, which leaves the pool unchanged when it is refused. Owns
 * no memory. Thread-safe.
 */
@Endpoint(id = "pinnedmemory", defaultAccess = Access.READ_ONLY)
public class PinnedMemoryEndpoint {

    /** The path segment of the peaks operations. */
    static final String PEAKS = "peaks";

    private final PinnedMemoryPools pools;
    private final BackendReport backend;

    /**
     * @param pools the pools to show and resize
     * @param backend how the pools' backend was chosen
     */
    public PinnedMemoryEndpoint(PinnedMemoryPools pools, BackendReport backend) {
        this.pools = pools;
        this.backend = backend;
    }

    /** {@return the backend and every pool's statistics} */
    @ReadOperation
    public PinnedMemoryDescriptor pinnedMemory() {
        Map<String, PoolStats> stats = new LinkedHashMap<>();
        this.pools.asMap().forEach((name, pool) -> stats.put(name, pool.stats()));
        return new PinnedMemoryDescriptor(BackendDescriptor.of(this.backend), stats,
                this.pools.asMap().values().stream().findFirst().map(p -> BudgetDescriptor.of(p.budget())).orElse(null));
    }

    /** {@return the peaks of pool {@code pool}, or null (404 over HTTP) if there is none or {@code peaks} is not "peaks"} */
    @ReadOperation
    public @Nullable PeaksDescriptor peaks(@Selector String pool, @Selector String peaks) {
        return PEAKS.equals(peaks) ? this.pools.find(pool).map(p -> PeaksDescriptor.of(pool, p)).orElse(null) : null;
    }

    /**
     * Starts the peaks of pool {@code pool} again (see {@code PoolMetrics.resetPeaks()}).
     *
     * @return the pool's peaks after the reset, or null (404 over HTTP) if there is no such pool
     */
    @DeleteOperation
    public @Nullable PeaksDescriptor resetPeaks(@Selector String pool, @Selector String peaks) {
        if (!PEAKS.equals(peaks)) {
            return null;
        }
        return this.pools.find(pool).map(p -> {
            p.metrics().resetPeaks();
            return PeaksDescriptor.of(pool, p);
        }).orElse(null);
    }

    /**
     * Starts the peaks of every pool and of their budget again.
     *
     * @param peaks the literal path segment {@code peaks}
     * @return the backend, every pool's statistics and the budget after the reset, or null (404
     *     over HTTP) if {@code peaks} is not "peaks"
     */
    @DeleteOperation
    public @Nullable PinnedMemoryDescriptor resetAllPeaks(@Selector String peaks) {
        if (!PEAKS.equals(peaks)) {
            return null;
        }
        this.pools.asMap().values().forEach(pool -> pool.metrics().resetPeaks());
        this.pools.asMap().values().stream().map(PinnedMemoryPool::budget).distinct().forEach(b -> b.resetPeak());
        return pinnedMemory();
    }

    /** {@return the statistics of pool {@code pool}, or null (404 over HTTP) if there is none} */
    @ReadOperation
    public @Nullable PoolDescriptor pool(@Selector String pool) {
        return this.pools.find(pool).map(found -> new PoolDescriptor(found.stats())).orElse(null);
    }

    /**
     * Resizes pool {@code pool} to buffers of {@code bufferSize} bytes.
     *
     * <p>Over HTTP, {@link PinnedMemoryEndpointWebExtension} answers a refusal with 400 or 404 and
     * a {@link PinnedMemoryError} body instead.
     *
     * @param pool the pool's name
     * @param bufferSize the new buffer size in bytes, e.g. {@code 8MB}; a positive multiple of the
     *     element size; null (missing) is refused with a reason
     * @return the pool's statistics after the resize
     * @throws PoolResizeException naming the reason when the pool is unknown, the size invalid or
     *     over the budget, or the backend refuses the memory; the pool is then unchanged
     */
    @WriteOperation
    public PoolDescriptor resize(@Selector String pool, @Nullable String bufferSize) {
        PinnedMemoryPool<?> target = this.pools.find(pool).orElseThrow(() -> new PoolResizeException(
                PoolResizeException.NOT_FOUND, pool, bufferSize,
                "no pool named '" + pool + "' (known: " + this.pools.names() + ")"));
        int elements = elements(target.elementType(), pool, bufferSize);
        try {
            target.resize(elements);
        } catch (PinnedMemoryException | IllegalArgumentException | IllegalStateException ex) {
            throw badRequest(pool, bufferSize, ex.getMessage());
        }
        return new PoolDescriptor(target.stats());
    }

    private static int elements(ElementType<?> type, String pool, @Nullable String bufferSize) {
        if (bufferSize == null) {
            throw badRequest(pool, null, "bufferSize is required, e.g. {\"bufferSize\": \"8MB\"}");
        }
        DataSize size;
        try {
            size = DataSize.parse(bufferSize.trim());
        } catch (IllegalArgumentException ex) {
            throw badRequest(pool, bufferSize, "bufferSize must be a data size such as 4096B, 512KB or 8MB");
        }
        try {
            return type.lengthForBytes("bufferSize", size.toBytes());
        } catch (InvalidPoolSettingException ex) {
            throw badRequest(pool, bufferSize, ex.getMessage());
        }
    }

    private static PoolResizeException badRequest(String pool, @Nullable String value, String reason) {
        return new PoolResizeException(PoolResizeException.BAD_REQUEST, pool, value, reason);
    }
}
