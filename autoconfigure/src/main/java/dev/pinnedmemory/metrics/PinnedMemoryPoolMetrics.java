package dev.pinnedmemory.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters for every pinned memory pool, tagged {@code pool=<name>}:
 * {@code pinned.memory.pool.buffers{state=idle|in-use|fenced}}, {@code pinned.memory.pool.bytes},
 * {@code pinned.memory.pool.rents{result=hit|miss}}, {@code pinned.memory.leaks}, the waiting
 * rents ({@code pinned.memory.pool.wait} timer, {@code pinned.memory.pool.waiting} gauge,
 * {@code pinned.memory.pool.wait.timeouts}), the bytes rents asked for and the bytes backing them
 * ({@code pinned.memory.pool.requested.bytes}, {@code pinned.memory.pool.backing.bytes}), and, for a
 * pool with size classes, per class ({@code class=<bytes>}): {@code pinned.memory.pool.class.buffers}
 * and {@code pinned.memory.pool.class.rents}, registered again after each resize.
 *
 * <p>Every meter reads one counter of the pool's {@link PoolMetrics} view, never a full
 * {@code stats()} snapshot, so a scrape costs a few reads per meter. The meters refer to the
 * pools, which the application context owns. Thread-safe.
 */
public final class PinnedMemoryPoolMetrics implements MeterBinder {

    private static final String BUFFERS = "Buffers of the pool ready to rent (idle), rented (in-use), or waiting on a transfer fence (fenced)";
    private static final String RENTS = "Rents served from an idle buffer (hit) or by allocating one (miss)";

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
        PoolMetrics metrics = pool.metrics();
        gauge(registry, "pinned.memory.pool.buffers", name, metrics, PoolMetrics::idle, "buffers", BUFFERS, "state", "idle");
        gauge(registry, "pinned.memory.pool.buffers", name, metrics, PoolMetrics::inUse, "buffers", BUFFERS, "state", "in-use");
        gauge(registry, "pinned.memory.pool.buffers", name, metrics, PoolMetrics::fenced, "buffers", BUFFERS, "state", "fenced");
        gauge(registry, "pinned.memory.pool.bytes", name, metrics, PoolMetrics::pinnedBytes, "bytes",
                "Pinned bytes the pool holds: idle, in use and fenced");
        counter(registry, "pinned.memory.pool.rents", name, metrics, PoolMetrics::hits, RENTS, "result", "hit");
        counter(registry, "pinned.memory.pool.rents", name, metrics, PoolMetrics::misses, RENTS, "result", "miss");
        counter(registry, "pinned.memory.leaks", name, metrics, PoolMetrics::leaks,
                "Rented buffers that became unreachable without being returned (freed by the pool)");
        FunctionTimer.builder("pinned.memory.pool.wait", metrics, PoolMetrics::waits, PoolMetrics::waitedNanos,
                        TimeUnit.NANOSECONDS)
                .tag("pool", name).description("Rents that waited for memory, and how long (rent(Duration), rentWaiting())")
                .register(registry);
        gauge(registry, "pinned.memory.pool.waiting", name, metrics, PoolMetrics::waiting, "renters",
                "Renters waiting for memory now");
        counter(registry, "pinned.memory.pool.wait.timeouts", name, metrics, PoolMetrics::waitTimeouts,
                "Waiting rents that got no memory within their max wait");
        FunctionCounter.builder("pinned.memory.pool.requested.bytes", metrics, PoolMetrics::requestedBytes)
                .tag("pool", name).baseUnit("bytes").description("Bytes the rents asked for").register(registry);
        FunctionCounter.builder("pinned.memory.pool.backing.bytes", metrics, PoolMetrics::backingBytes)
                .tag("pool", name).baseUnit("bytes")
                .description("Bytes of the buffers that served the rents (backing minus requested is the waste)")
                .register(registry);
        if (pool.minBufferSize() > 0) {
            SizeClassMeters classes = new SizeClassMeters(registry, name, pool);
            classes.register();
            pool.addResizeListener(resized -> classes.register());
        }
    }

    private static void gauge(MeterRegistry registry, String meter, String name, PoolMetrics metrics,
                              ToDoubleFunction<PoolMetrics> value, String unit, String description, String... tags) {
        Gauge.builder(meter, metrics, value).tag("pool", name).tags(tags).baseUnit(unit).description(description)
                .register(registry);
    }

    private static void counter(MeterRegistry registry, String meter, String name, PoolMetrics metrics,
                                ToDoubleFunction<PoolMetrics> value, String description, String... tags) {
        FunctionCounter.builder(meter, metrics, value).tag("pool", name).tags(tags).description(description)
                .register(registry);
    }

    /** The per-class meters of one pool: the classes change with a resize, and so do their meters. */
    private static final class SizeClassMeters {

        private final MeterRegistry registry;
        private final String name;
        private final PinnedMemoryPool<?> pool;
        private final List<Meter> registered = new ArrayList<>();
        /** Held here: Micrometer keeps a meter's state object only weakly. */
        private List<PoolMetrics.SizeClassMetrics> views = List.of();

        SizeClassMeters(MeterRegistry registry, String name, PinnedMemoryPool<?> pool) {
            this.registry = registry;
            this.name = name;
            this.pool = pool;
        }

        synchronized void register() {
            this.registered.forEach(this.registry::remove);
            this.registered.clear();
            this.views = this.pool.metrics().sizeClasses();
            for (PoolMetrics.SizeClassMetrics sizeClass : this.views) {
                String bytes = Long.toString(sizeClass.bufferBytes());
                this.registered.add(Gauge.builder("pinned.memory.pool.class.buffers", sizeClass,
                        PoolMetrics.SizeClassMetrics::idle).tag("pool", this.name).tag("class", bytes)
                        .tag("state", "idle").baseUnit("buffers").description("Buffers of one size class").register(this.registry));
                this.registered.add(Gauge.builder("pinned.memory.pool.class.buffers", sizeClass,
                        PoolMetrics.SizeClassMetrics::inUse).tag("pool", this.name).tag("class", bytes)
                        .tag("state", "in-use").baseUnit("buffers").description("Buffers of one size class").register(this.registry));
                this.registered.add(FunctionCounter.builder("pinned.memory.pool.class.rents", sizeClass,
                        PoolMetrics.SizeClassMetrics::hits).tag("pool", this.name).tag("class", bytes)
                        .tag("result", "hit").description("Rents of one size class").register(this.registry));
                this.registered.add(FunctionCounter.builder("pinned.memory.pool.class.rents", sizeClass,
                        PoolMetrics.SizeClassMetrics::misses).tag("pool", this.name).tag("class", bytes)
                        .tag("result", "miss").description("Rents of one size class").register(this.registry));
            }
        }
    }
}
