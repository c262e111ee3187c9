package dev.pinnedmemory.metrics;

import java.util.function.ToDoubleFunction;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.autoconfigure.PinnedMemoryPools;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters for every pinned memory pool, tagged {@code pool=<name>}:
 * {@code pinned.memory.pool.buffers{state=idle|in-use}}, {@code pinned.memory.pool.bytes},
 * {@code pinned.memory.pool.rents{result=hit|miss}} and {@code pinned.memory.leaks}.
 *
 * <p>Every meter reads a {@link PoolStats} snapshot ({@link PinnedMemoryPool#stats()}), never the
 * pool's internals. The meters refer to the pools, which the application context owns. Thread-safe.
 */
public final class PinnedMemoryPoolMetrics implements MeterBinder {

    private final PinnedMemoryPools pools;

    /** @param pools the pools to measure */
    public PinnedMemoryPoolMetrics(PinnedMemoryPools pools) {
        this.pools = pools;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.pools.asMap().forEach((name, pool) -> bind(registry, name, pool));
    }

    private static void bind(MeterRegistry registry, String name, PinnedMemoryPool<?> pool) {
        gauge(registry, "pinned.memory.pool.buffers", name, pool, PoolStats::idle, "buffers",
                "Buffers of the pool ready to rent (idle) or rented (in-use)", "state", "idle");
        gauge(registry, "pinned.memory.pool.buffers", name, pool, PoolStats::inUse, "buffers",
                "Buffers of the pool ready to rent (idle) or rented (in-use)", "state", "in-use");
        gauge(registry, "pinned.memory.pool.bytes", name, pool, PoolStats::pinnedBytes, "bytes",
                "Pinned bytes the pool holds, idle and in use");
        counter(registry, "pinned.memory.pool.rents", name, pool, PoolStats::hits,
                "Rents served from an idle buffer (hit) or by allocating one (miss)", "result", "hit");
        counter(registry, "pinned.memory.pool.rents", name, pool, PoolStats::misses,
                "Rents served from an idle buffer (hit) or by allocating one (miss)", "result", "miss");
        counter(registry, "pinned.memory.leaks", name, pool, PoolStats::leaks,
                "Rented buffers that became unreachable without being returned (freed by the pool)");
    }

    private static void gauge(MeterRegistry registry, String meter, String name, PinnedMemoryPool<?> pool,
                              ToDoubleFunction<PoolStats> value, String unit, String description, String... tags) {
        Gauge.builder(meter, pool, p -> value.applyAsDouble(p.stats()))
                .tag("pool", name).tags(tags).baseUnit(unit).description(description).register(registry);
    }

    private static void counter(MeterRegistry registry, String meter, String name, PinnedMemoryPool<?> pool,
                                ToDoubleFunction<PoolStats> value, String description, String... tags) {
        FunctionCounter.builder(meter, pool, p -> value.applyAsDouble(p.stats()))
                .tag("pool", name).tags(tags).description(description).register(registry);
    }
}
