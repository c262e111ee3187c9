package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.metrics.PinnedMemoryPoolMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One metrics scrape of the starter's Micrometer meters ({@link PinnedMemoryPoolMetrics}) over
 * {@code pools} pinned pools, as a monitoring system would trigger it: {@code prometheusScrape} is
 * {@link PrometheusMeterRegistry#scrape()} (every meter read and written out in the Prometheus text
 * format), {@code readEveryMeter} reads every registered meter's value once through the registry
 * ({@code getMeters()} and each meter's {@code measure()}), without any exposition format, so it
 * isolates what reading the pools costs.
 *
 * <p>Each pool holds 4 KiB byte buffers on the {@code mlock} backend ({@code initialSize = 2},
 * {@code maxSize = 4}); set-up rents from each so that hits, misses and in-use are non-zero
 * (two idle buffers and one rented for the whole trial per pool), as on a live service. The
 * pools are not touched while measuring: the score is the cost of the reads alone.
 *
 * <p>Scores are µs per scrape (one thread). Run with {@code -prof gc} for the bytes allocated per
 * scrape ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class MetricsScrapeBenchmark {

    private static final int BUFFER_BYTES = 4096;
    private static final int IDLE_BUFFERS = 2;
    private static final int MAX_IDLE_BUFFERS = 4;
    /** Rent + return pairs per pool in set-up, after the miss, so the hit counter is well above zero. */
    private static final int EXTRA_RENTS = 5;
    private static final java.util.Set<String> ORIGINAL = java.util.Set.of("pinned.memory.pool.buffers",
            "pinned.memory.pool.bytes", "pinned.memory.pool.rents", "pinned.memory.leaks");

    /** The pools bound to the registry, each named {@code pool-NN}. */
    @Param({"16"})
    public int pools;

    /**
     * Which meters: {@code all} that the binder registers, or {@code original}, the six per pool
     * that existed before the binder read counters directly (buffers idle and in-use, bytes, rents hit
     * and miss, leaks), so a before/after comparison reads the same meters.
     */
    @Param({"all", "original"})
    public String meters;

    private final List<PinnedMemoryPool<byte[]>> pinnedPools = new ArrayList<>();
    /** One buffer per pool, rented for the whole trial so the in-use gauge reads 1. */
    private final List<PinnedBuffer<byte[]>> rented = new ArrayList<>();
    private PrometheusMeterRegistry registry;

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < pools; i++) {
            PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE)
                    .bufferSize(BUFFER_BYTES)
                    .initialSize(IDLE_BUFFERS)
                    .maxSize(MAX_IDLE_BUFFERS)
                    .clearOnReturn(false)
                    .backend(Backends.mlock())
                    .name("pool-%02d".formatted(i))
                    .build();
            pinnedPools.add(pool);
            // IDLE_BUFFERS hits and one miss; give back all but one.
            List<PinnedBuffer<byte[]>> held = new ArrayList<>();
            for (int r = 0; r <= IDLE_BUFFERS; r++) {
                held.add(pool.rent());
            }
            rented.add(held.removeLast());
            held.forEach(pool::returnBuffer);
            for (int r = 0; r < EXTRA_RENTS; r++) {
                pool.returnBuffer(pool.rent());
            }
        }
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if ("original".equals(meters)) {
            registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyUnless(id ->
                    ORIGINAL.contains(id.getName()) && !"fenced".equals(id.getTag("state"))));
        }
        new PinnedMemoryPoolMetrics(new PinnedMemoryPools(pinnedPools)).bindTo(registry);
        if (registry.getMeters().isEmpty() || !registry.scrape().contains("pool-00")) {
            throw new IllegalStateException("PinnedMemoryPoolMetrics registered no meters for " + pools + " pools");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        registry.close();
        for (int i = 0; i < pinnedPools.size(); i++) {
            if (i < rented.size()) {
                pinnedPools.get(i).returnBuffer(rented.get(i));
            }
            pinnedPools.get(i).close();
        }
        rented.clear();
        pinnedPools.clear();
    }

    @Benchmark
    public String prometheusScrape() {
        return registry.scrape();
    }

    /** {@return the sum of every measurement of every meter, so none of the reads is dead code} */
    @Benchmark
    public double readEveryMeter() {
        double sum = 0;
        for (Meter meter : registry.getMeters()) {
            for (io.micrometer.core.instrument.Measurement measurement : meter.measure()) {
                sum += measurement.getValue();
            }
        }
        return sum;
    }
}
