package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.metrics.PinnedMemoryPoolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedMemoryMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryMetricsAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked", "pinned-memory.pools.frames.element-type=float",
                    "pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames.initial-size=1");

    @Test
    @SuppressWarnings("try")
    void metersShouldFollowThePoolStats() {
        this.runner.run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            @SuppressWarnings("unchecked")
            PinnedMemoryPool<float[]> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            try (PinnedBuffer<float[]> first = frames.rent(); PinnedBuffer<float[]> second = frames.rent()) {
                assertThat(gauge(registry, "pinned.memory.pool.buffers", "state", "idle")).isZero();
                assertThat(gauge(registry, "pinned.memory.pool.buffers", "state", "in-use")).isEqualTo(2);
                assertThat(gauge(registry, "pinned.memory.pool.bytes")).isEqualTo(2 * 4096);
                assertThat(counter(registry, "pinned.memory.pool.rents", "result", "hit")).isEqualTo(1);
                assertThat(counter(registry, "pinned.memory.pool.rents", "result", "miss")).isEqualTo(1);
            }
            assertThat(gauge(registry, "pinned.memory.pool.buffers", "state", "idle")).isEqualTo(2);
            assertThat(gauge(registry, "pinned.memory.pool.buffers", "state", "in-use")).isZero();
            assertThat(counter(registry, "pinned.memory.leaks")).isZero();
            assertThat(registry.get("pinned.memory.pool.bytes").gauge().getId().getBaseUnit()).isEqualTo("bytes");
        });
    }

    @Test
    void fencedBuffersWaitingRentsAndWasteShouldEachHaveAMeter() {
        this.runner.withPropertyValues("pinned-memory.max-total-size=8KB").run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            @SuppressWarnings("unchecked")
            PinnedMemoryPool<float[]> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            java.util.concurrent.CompletableFuture<Void> copy = new java.util.concurrent.CompletableFuture<>();
            frames.rent(10).closeAfter(dev.pinnedmemory.TransferFence.of(copy));
            assertThat(gauge(registry, "pinned.memory.pool.buffers", "state", "fenced")).isEqualTo(1);
            try (PinnedBuffer<float[]> held = frames.rent()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> frames.rent(java.time.Duration.ofMillis(20)))
                        .isInstanceOf(dev.pinnedmemory.MemoryBudgetExceededException.class);
            }
            io.micrometer.core.instrument.FunctionTimer wait = registry.get("pinned.memory.pool.wait").tag("pool", "frames")
                    .functionTimer();
            assertThat(wait.count()).isEqualTo(1);
            assertThat(wait.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(20);
            assertThat(counter(registry, "pinned.memory.pool.wait.timeouts")).isEqualTo(1);
            assertThat(gauge(registry, "pinned.memory.pool.waiting")).isZero();
            assertThat(counter(registry, "pinned.memory.pool.requested.bytes")).isEqualTo(40 + 4096);
            assertThat(counter(registry, "pinned.memory.pool.backing.bytes")).isEqualTo(2 * 4096);
            copy.complete(null);
        });
    }

    @Test
    void poolsWithSizeClassesShouldHaveMetersPerClassFollowingResizes() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.min-buffer-size=2KB").run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            @SuppressWarnings("unchecked")
            PinnedMemoryPool<float[]> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            frames.rent(512).close();
            assertThat(registry.get("pinned.memory.pool.class.rents").tag("pool", "frames").tag("class", "2048")
                    .tag("result", "miss").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("pinned.memory.pool.class.buffers").tag("pool", "frames").tag("class", "2048")
                    .tag("state", "idle").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pinned.memory.pool.class.buffers").tag("state", "idle").gauges())
                    .extracting(g -> g.getId().getTag("class")).containsExactlyInAnyOrder("2048", "2560", "3072", "3584", "4096");
            frames.resize(2048);
            assertThat(registry.get("pinned.memory.pool.class.buffers").tag("state", "idle").gauges())
                    .extracting(g -> g.getId().getTag("class"))
                    .containsExactlyInAnyOrder("2048", "2560", "3072", "3584", "4096", "5120", "6144", "7168", "8192");
            assertThat(registry.get("pinned.memory.pool.class.buffers").tag("class", "8192").tag("state", "idle")
                    .gauge().value()).isEqualTo(1);
        });
    }

    @Test
    void runWithoutMicrometerShouldNotRegisterBinder() {
        this.runner.withClassLoader(new FilteredClassLoader(MeterBinder.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PinnedMemoryPoolMetrics.class)
                        .hasBean("framesPinnedMemoryPool"));
    }

    @Test
    void runWhenDisabledShouldNotRegisterBinder() {
        this.runner.withPropertyValues("pinned-memory.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PinnedMemoryPoolMetrics.class));
    }

    @Test
    void runWithUserBinderShouldKeepIt() {
        this.runner.withBean("myMetrics", PinnedMemoryPoolMetrics.class,
                () -> new PinnedMemoryPoolMetrics(new PinnedMemoryPools(java.util.List.of())))
                .run(context -> assertThat(context).hasSingleBean(PinnedMemoryPoolMetrics.class).hasBean("myMetrics"));
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tag("pool", "frames").tags(tags).gauge().value();
    }

    private static double counter(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tag("pool", "frames").tags(tags).functionCounter().count();
    }
}
