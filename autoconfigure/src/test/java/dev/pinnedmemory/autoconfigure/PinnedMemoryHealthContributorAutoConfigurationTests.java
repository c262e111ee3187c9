package dev.pinnedmemory.autoconfigure;

import java.util.Map;

import dev.pinnedmemory.actuate.PinnedMemoryHealthIndicator;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedMemoryHealthContributorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryHealthContributorAutoConfiguration.class))
            .withPropertyValues("pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames.initial-size=1");

    @Test
    void healthShouldBeUpWithBackendAndPoolDetails() {
        this.runner.withPropertyValues("pinned-memory.backend=unlocked").run(context -> {
            assertThat(context).hasBean("pinnedMemoryHealthIndicator");
            Health health = context.getBean("pinnedMemoryHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("backend", "unlocked").containsEntry("pageLocked", false)
                    .containsEntry("leaks", 0L).containsEntry("freeFailures", 0L).containsKey("skipped")
                    .doesNotContainKey("warnings");
            assertThat(health.getDetails().get("pools")).isEqualTo(Map.of("frames",
                    Map.of("leaks", 0L, "inUse", 0, "fenced", 0, "waiting", 0, "waitTimeouts", 0L,
                            "pinnedBytes", 4096L, "pageLocked", false, "stuckFences", 0L, "oldestFenceAgeSeconds", 0.0)));
        });
    }

    @Test
    void healthShouldWarnWhileRentersKeepTimingOutButStayUp() {
        this.runner.withPropertyValues("pinned-memory.backend=unlocked", "pinned-memory.max-total-size=4KB",
                "pinned-memory.pools.frames.max-wait=10ms").run(context -> {
            PinnedMemoryPool<?> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            try (var held = frames.rent()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(frames::rentWaiting)
                        .isInstanceOf(dev.pinnedmemory.MemoryBudgetExceededException.class);
            }
            Health health = context.getBean("pinnedMemoryHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails().get("warnings")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                    .singleElement().asString().contains("renters of pool 'frames' timed out waiting for memory",
                            "1 in all", "raise pinned-memory.max-total-size or the pool's max-wait");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> pools = (Map<String, Map<String, Object>>) health.getDetails().get("pools");
            assertThat(pools.get("frames")).containsEntry("waitTimeouts", 1L).containsEntry("waiting", 0);
        });
    }

    @Test
    void healthShouldBeDownWhenPageLockingIsRequiredButUserBackendIsNotPageLocked() {
        BackendSelection unlocked = PageLockingBackends.select(BackendKind.UNLOCKED, false);
        this.runner.withBean(BackendSelection.class, () -> unlocked)
                .withPropertyValues("pinned-memory.require-page-locked=true").run(context -> {
                    Health health = context.getBean(PinnedMemoryHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("pageLocked", false)
                            .containsEntry("reason", "pinned-memory.require-page-locked is true but the memory is not page-locked");
                });
    }

    @Test
    void runWithoutHealthModuleShouldNotRegisterIndicator() {
        this.runner.withPropertyValues("pinned-memory.backend=unlocked")
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("pinnedMemoryHealthIndicator"));
    }

    @Test
    void runWhenIndicatorDisabledShouldNotRegisterIt() {
        this.runner.withPropertyValues("pinned-memory.backend=unlocked", "management.health.pinnedmemory.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("pinnedMemoryHealthIndicator"));
    }

    @Test
    void runWithUserIndicatorOfTheSameNameShouldKeepIt() {
        HealthIndicator own = () -> Health.up().withDetail("own", true).build();
        this.runner.withPropertyValues("pinned-memory.backend=unlocked")
                .withBean("pinnedMemoryHealthIndicator", HealthIndicator.class, () -> own)
                .run(context -> assertThat(context.getBean("pinnedMemoryHealthIndicator")).isSameAs(own));
    }
}
