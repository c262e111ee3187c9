package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.metrics.PinnedMemoryPoolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Buffers dropped without return from several threads show up as leaks in stats, meters and health. */
class PinnedMemoryLeakReportingTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryMetricsAutoConfiguration.class, PinnedMemoryHealthContributorAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.leak-detection=disabled",
                    "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB");

    @Test
    void buffersDroppedOnSeveralThreadsShouldBeCountedInStatsMetersAndHealth() {
        this.runner.run(context -> {
            @SuppressWarnings("unchecked")
            PinnedMemoryPool<float[]> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PinnedMemoryPoolMetrics.class).bindTo(registry);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    frames.rent().fill(1f);
                    frames.rent().fill(2f);
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            PoolStats dropped = frames.stats();   // a GC may already have found some of them
            assertThat(dropped.inUse() + dropped.leaks()).isEqualTo(6);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return frames.stats().leaks() == 6;
            });

            assertThat(frames.stats().inUse()).isZero();
            assertThat(frames.stats().pinnedBytes()).isZero();
            assertThat(registry.get("pinned.memory.leaks").tag("pool", "frames").functionCounter().count()).isEqualTo(6);
            assertThat(registry.get("pinned.memory.pool.buffers").tag("pool", "frames").tag("state", "in-use").gauge().value())
                    .isZero();
            Health health = context.getBean("pinnedMemoryHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("leaks", 6L);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> pools = (Map<String, Map<String, Object>>) health.getDetails().get("pools");
            assertThat(pools.get("frames")).containsEntry("leaks", 6L).containsEntry("inUse", 0);
        });
    }
}
