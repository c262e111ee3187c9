package dev.pinnedmemory.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for every pinned memory pool, tagged {@code pool=<name>}:
 * {@code pinned.memory.pool.buffers{state=idle|in-use|fenced}}, {@code pinned.memory.pool.bytes},
 * {@code pinned.memory.pool.rents{result=hit|miss}}, {@code pinned.memory.leaks}, the waiting
 * rents ({@code pinned.memory.pool.wait} timer, {@code pinned.memory.pool.waiting} gauge,
 * {@code pinned.memory.pool.wait.timeouts}), the bytes rents asked for and the bytes backing them
 * ({@code pinned.memory.pool.requested.bytes}, {@code pinned.memory.pool.backing.bytes}), and, for a
 * pool with size classes, per class ({@code class=<bytes>}): {@code pinned.memory.pool.class.buffers}
 * and {@code pinned.memory.pool.class.rents}, registered again after each resize. Peaks and costs:
 * {@code pinned.memory.pool.peak.bytes}, {@code pinned.memory.pool.peak.buffers{state=in-use}}, the
 * backend's allocations and frees ({@code pinned.memory.pool.allocation} and
 * {@code pinned.memory.pool.free} timers, their longest as {@code pinned.memory.pool.allocation.max}
 * and {@code pinned.memory.pool.free.max}), whether the pool's memory is page-locked
 * ({@code pinned.memory.pool.page.locked}, 1 or 0), fences pending too long
 * ({@code pinned.memory.pool.fences.stuck} counter, {@code pinned.memory.pool.fence.oldest.age}
 * gauge in seconds), and the budget the pools share, untagged: {@code pinned.memory.budget.used},
 * {@code pinned.memory.budget.limit} (0 for unlimited) and {@code pinned.memory.budget.peak}.
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
        this.pools.asMap().values().stream().findFirst().ifPresent(pool -> bindBudget(registry, pool.budget()));
    }

    private static void bindBudget(MeterRegistry registry, MemoryBudget budget) {
        Gauge.builder("pinned.memory.budget.used", budget, MemoryBudget::usedBytes).baseUnit("bytes")
                .description("Bytes the pools hold together, out of pinned.memory.budget.limit").register(registry);
        Gauge.builder("pinned.memory.budget.limit", budget, MemoryBudget::limitBytes).baseUnit("bytes")
                .description("Most bytes the pools may hold together (pinned-memory.max-total-size); 0 for unlimited")
                .register(registry);
        Gauge.builder("pinned.memory.budget.peak", budget, MemoryBudget::peakBytes).baseUnit("bytes")
                .description("Most bytes the pools held together since start or the last reset of the peaks")
                .register(registry);
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
        gauge(registry, "pinned.memory.pool.peak.bytes", name, metrics, PoolMetrics::peakPinnedBytes, "bytes",
                "Most pinned bytes the pool held at once since start or the last reset of the peaks");
        gauge(registry, "pinned.memory.pool.peak.buffers", name, metrics, PoolMetrics::peakInUse, "buffers",
                "Most buffers in use at once, as seen at each rent that allocated and each read", "state", "in-use");
        timer(registry, "pinned.memory.pool.allocation", name, metrics, PoolMetrics::allocations,
                PoolMetrics::allocationNanos, "The backend allocating (and page-locking) a buffer's memory: rents that missed");
        timer(registry, "pinned.memory.pool.free", name, metrics, PoolMetrics::frees, PoolMetrics::freeNanos,
                "The backend giving a buffer's memory back (munlock and unmap, or cudaFreeHost)");
        TimeGauge.builder("pinned.memory.pool.allocation.max", metrics, TimeUnit.NANOSECONDS,
                        PoolMetrics::maxAllocationNanos).tag("pool", name)
                .description("The backend's longest allocation since start or the last reset of the peaks").register(registry);
        TimeGauge.builder("pinned.memory.pool.free.max", metrics, TimeUnit.NANOSECONDS, PoolMetrics::maxFreeNanos)
                .tag("pool", name).description("The backend's longest free since start or the last reset of the peaks")
                .register(registry);
        gauge(registry, "pinned.memory.pool.page.locked", name, metrics, m -> pool.backend().pageLocked() ? 1 : 0, null,
                "1 when the pool's memory is page-locked, 0 when its backend only keeps it at a stable address");
        counter(registry, "pinned.memory.pool.fences.stuck", name, metrics, PoolMetrics::stuckFences,
                "Transfer fences that stayed pending longer than fence-warn-after (their buffers stay held)");
        TimeGauge.builder("pinned.memory.pool.fence.oldest.age", metrics, TimeUnit.NANOSECONDS,
                        PoolMetrics::oldestFenceAgeNanos).tag("pool", name)
                .description("How long the oldest pending transfer fence has been pending; 0 when none is").register(registry);
        if (pool.minBufferSize() > 0) {
            SizeClassMeters classes = new SizeClassMeters(registry, name, pool);
            classes.register();
            pool.addResizeListener(resized -> classes.register());
        }
    }

    private static void gauge(MeterRegistry registry, String meter, String name, PoolMetrics metrics,
                              ToDoubleFunction<PoolMetrics> value, @Nullable String unit, String description,
                              String... tags) {
        Gauge.builder(meter, metrics, value).tag("pool", name).tags(tags).baseUnit(unit).description(description)
                .register(registry);
    }

    private static void timer(MeterRegistry registry, String meter, String name, PoolMetrics metrics,
                              ToDoubleFunction<PoolMetrics> count, ToDoubleFunction<PoolMetrics> nanos, String description) {
        FunctionTimer.builder(meter, metrics, m -> (long) count.applyAsDouble(m), nanos, TimeUnit.NANOSECONDS)
                .tag("pool", name).description(description).register(registry);
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
