package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.actuate.PinnedMemoryHealthIndicator;
import dev.pinnedmemory.metrics.PinnedMemoryPoolMetrics;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads: peaks, allocation and free times, the budget, and transfers that never complete. */
class PinnedMemoryOperationsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryMetricsAutoConfiguration.class, PinnedMemoryHealthContributorAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked", "pinned-memory.max-total-size=64KB",
                    "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=4KB",
                    "pinned-memory.pools.frames.max-size=1");

    @SuppressWarnings("unchecked")
    private static PinnedMemoryPool<float[]> frames(org.springframework.context.ApplicationContext context) {
        return context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void peakTimerAndBudgetMetersShouldFollowThePoolAndTheBudget() {
        this.runner.run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            PinnedMemoryPool<float[]> frames = frames(context);
            PinnedBuffer<float[]> a = frames.rent();
            PinnedBuffer<float[]> b = frames.rent();
            PinnedBuffer<float[]> c = frames.rent();
            assertThat(gauge(registry, "pinned.memory.budget.used")).isEqualTo(3 * 4096);
            a.close();
            b.close();
            c.close();                                    // max-size 1: two are freed

            assertThat(gauge(registry, "pinned.memory.pool.peak.bytes", "pool", "frames")).isEqualTo(3 * 4096);
            assertThat(gauge(registry, "pinned.memory.pool.peak.buffers", "pool", "frames", "state", "in-use"))
                    .isEqualTo(3);
            FunctionTimer allocation = registry.get("pinned.memory.pool.allocation").tag("pool", "frames").functionTimer();
            assertThat(allocation.count()).isEqualTo(3);
            assertThat(allocation.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            FunctionTimer free = registry.get("pinned.memory.pool.free").tag("pool", "frames").functionTimer();
            assertThat(free.count()).isEqualTo(2);
            assertThat(registry.get("pinned.memory.pool.allocation.max").tag("pool", "frames").timeGauge()
                    .value(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(gauge(registry, "pinned.memory.pool.page.locked", "pool", "frames")).isZero();
            assertThat(gauge(registry, "pinned.memory.budget.used")).isEqualTo(4096);
            assertThat(gauge(registry, "pinned.memory.budget.limit")).isEqualTo(64 * 1024);
            assertThat(gauge(registry, "pinned.memory.budget.peak")).isEqualTo(3 * 4096);
            assertThat(registry.get("pinned.memory.budget.peak").gauge().getId().getBaseUnit()).isEqualTo("bytes");

            frames.metrics().resetPeaks();
            context.getBean(MemoryBudget.class).resetPeak();
            assertThat(gauge(registry, "pinned.memory.pool.peak.bytes", "pool", "frames")).isEqualTo(4096);
            assertThat(gauge(registry, "pinned.memory.budget.peak")).isEqualTo(4096);
        });
    }

    @Test
    void aTransferPendingLongerThanFenceWarnAfterShouldTurnTheHealthToStuckTransfersUntilItCompletes() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.fence-warn-after=1ns").run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            PinnedMemoryPool<float[]> frames = frames(context);
            HealthIndicator indicator = context.getBean("pinnedMemoryHealthIndicator", HealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            CompletableFuture<Void> copy = new CompletableFuture<>();
            frames.rent().closeAfter(TransferFence.of(copy));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (frames.stats().stuckFences() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();                       // the reclaimer polls every 2 ms
            }

            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(PinnedMemoryHealthIndicator.STUCK_TRANSFERS);
            assertThat(health.getDetails().get("stuckTransfers")).asInstanceOf(
                    org.assertj.core.api.InstanceOfAssertFactories.MAP).containsOnlyKeys("frames")
                    .extractingByKey("frames").asString().contains("a transfer fence pending for", "1 buffer(s) fenced");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> pools = (Map<String, Map<String, Object>>) health.getDetails().get("pools");
            assertThat(pools.get("frames")).containsEntry("stuckFences", 1L).containsEntry("fenced", 1);
            assertThat(registry.get("pinned.memory.pool.fences.stuck").tag("pool", "frames").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("pinned.memory.pool.fence.oldest.age").tag("pool", "frames").timeGauge()
                    .value(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(frames.stats().pinnedBytes()).as("the memory stays held").isEqualTo(4096);

            copy.complete(null);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (frames.stats().fenced() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            assertThat(registry.get("pinned.memory.pool.fence.oldest.age").tag("pool", "frames").timeGauge()
                    .value(TimeUnit.NANOSECONDS)).isZero();
        });
    }

    @Test
    void fenceWarnAfterShouldDefaultToTenSecondsFollowTheGlobalSettingAndBeOverriddenPerPool() {
        this.runner.run(context -> assertThat(frames(context).stats().fenceWarnAfterNanos())
                .isEqualTo(Duration.ofSeconds(10).toNanos()));
        this.runner.withPropertyValues("pinned-memory.fence-warn-after=30s", "pinned-memory.pools.labels.buffer-size=1KB",
                "pinned-memory.pools.labels.fence-warn-after=2m").run(context -> {
            assertThat(frames(context).stats().fenceWarnAfterNanos()).isEqualTo(Duration.ofSeconds(30).toNanos());
            assertThat(context.getBean("labelsPinnedMemoryPool", PinnedMemoryPool.class).stats().fenceWarnAfterNanos())
                    .isEqualTo(Duration.ofMinutes(2).toNanos());
        });
    }

    @Test
    void aFenceWarnAfterThatIsNotPositiveShouldFailStartNamingThePropertyAndTheValue() {
        this.runner.withPropertyValues("pinned-memory.fence-warn-after=0s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()).getMessage())
                    .contains("'pinned-memory.fence-warn-after' must be more than 0 and at most 100d but was PT0S");
        });
        this.runner.withPropertyValues("pinned-memory.pools.frames.fence-warn-after=-5s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()).getMessage())
                    .contains("'pinned-memory.pools.frames.fence-warn-after' must be more than 0 and at most 100d but was PT-5S");
        });
    }
}
