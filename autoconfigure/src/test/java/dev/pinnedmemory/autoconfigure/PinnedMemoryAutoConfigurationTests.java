package dev.pinnedmemory.autoconfigure;

import java.util.Map;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinningStrategySelector;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedMemoryAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked");

    @Test
    void runWithoutPoolsShouldRegisterDefaultPoolWithDefaultSettings() {
        this.runner.run(context -> {
            assertThat(context).hasSingleBean(PinnedMemoryPool.class).hasBean("defaultPinnedMemoryPool");
            PinnedMemoryPool<?> pool = context.getBean(PinnedMemoryPools.class).get("default");
            assertThat(pool).isSameAs(context.getBean("defaultPinnedMemoryPool"));
            PoolStats stats = pool.stats();
            assertThat(stats.elementType()).isEqualTo("BYTE");
            assertThat(stats.bufferBytes()).isEqualTo(1024 * 1024);
            assertThat(stats.initialSize()).isZero();
            assertThat(stats.maxSize()).isEqualTo(20);
            assertThat(stats.clearOnReturn()).isTrue();
            assertThat(stats.idle()).isZero();
            assertThat(pool.leakDetection()).isEqualTo(LeakDetectionLevel.SIMPLE);
        });
    }

    @Test
    void runWithDefaultsShouldUseAutoBackendUnlimitedBudgetAndDefaultThresholds() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
                .run(context -> {
                    BackendSelection selection = context.getBean(BackendSelection.class);
                    assertThat(selection.report().requested()).isEqualTo("auto");
                    assertThat(context.getBean(MemoryBudget.class).limitBytes()).isZero();
                    PinnedMemoryHelper helper = context.getBean(PinnedMemoryHelper.class);
                    assertThat(helper.selector()).isEqualTo(PinningStrategySelector.defaults());
                    assertThat(helper.backend()).isSameAs(selection.backend());
                    assertThat(context.getBean("defaultPinnedMemoryPool", PinnedMemoryPool.class).backend())
                            .isSameAs(selection.backend());
                });
    }

    @Test
    void runWithSeveralPoolsShouldRegisterEachWithItsSettingsInOrder() {
        this.runner.withPropertyValues("pinned-memory.leak-detection=paranoid", "pinned-memory.max-total-size=1MB",
                "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB",
                "pinned-memory.pools.frames.initial-size=2", "pinned-memory.pools.frames.max-size=4",
                "pinned-memory.pools.frames.clear-on-return=false", "pinned-memory.pools.ids.element-type=INT",
                "pinned-memory.pools.ids.buffer-size=4KB").run(context -> {
                    assertThat(context).doesNotHaveBean("defaultPinnedMemoryPool");
                    PinnedMemoryPools pools = context.getBean(PinnedMemoryPools.class);
                    assertThat(pools.names()).containsExactly("frames", "ids");
                    PinnedMemoryPool<float[]> frames = pools.get("frames", ElementType.FLOAT);
                    assertThat(frames).isSameAs(context.getBean("framesPinnedMemoryPool"));
                    assertThat(frames.name()).isEqualTo("frames");
                    assertThat(frames.bufferSize()).isEqualTo(16 * 1024);
                    PoolStats stats = frames.stats();
                    assertThat(stats.idle()).isEqualTo(2);
                    assertThat(stats.initialSize()).isEqualTo(2);
                    assertThat(stats.maxSize()).isEqualTo(4);
                    assertThat(stats.clearOnReturn()).isFalse();
                    assertThat(frames.leakDetection()).isEqualTo(LeakDetectionLevel.PARANOID);
                    MemoryBudget budget = context.getBean(MemoryBudget.class);
                    assertThat(frames.budget()).isSameAs(budget);
                    assertThat(budget.limitBytes()).isEqualTo(1024 * 1024);
                    assertThat(budget.usedBytes()).isEqualTo(2 * 64 * 1024);
                    PinnedMemoryPool<int[]> ids = pools.get("ids", ElementType.INT);
                    assertThat(ids.bufferSize()).isEqualTo(1024);
                    assertThat(ids.budget()).isSameAs(budget);
                    assertThat(ids.stats().maxSize()).isEqualTo(20);
                    try (PinnedBuffer<int[]> buffer = ids.rent()) {
                        assertThat(buffer.length()).isEqualTo(1024);
                        assertThat(budget.usedBytes()).isEqualTo(2 * 64 * 1024 + 4096);
                    }
                });
    }

    @Test
    void runShouldConfigureHelperFromBackendStrategyLeakDetectionAndBudget() {
        this.runner.withPropertyValues("pinned-memory.leak-detection=disabled", "pinned-memory.max-total-size=8MB",
                "pinned-memory.strategy.small-threshold=2KB", "pinned-memory.strategy.large-threshold=2MB",
                "pinned-memory.strategy.reuse-threshold=3").run(context -> {
                    PinnedMemoryHelper helper = context.getBean(PinnedMemoryHelper.class);
                    assertThat(helper.backend().name()).isEqualTo("unlocked");
                    assertThat(helper.backendReport().requested()).isEqualTo("unlocked");
                    assertThat(helper.selector()).isEqualTo(new PinningStrategySelector(2048, 2 * 1024 * 1024, 3));
                    assertThat(context.getBean(MemoryBudget.class).limitBytes()).isEqualTo(8 * 1024 * 1024);
                    assertThat(context.getBean("defaultPinnedMemoryPool", PinnedMemoryPool.class).leakDetection())
                            .isEqualTo(LeakDetectionLevel.DISABLED);
                });
    }

    @Test
    void runWhenDisabledShouldCreateNothing() {
        this.runner.withPropertyValues("pinned-memory.enabled=false", "pinned-memory.pools.frames.buffer-size=4KB")
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(PinnedMemoryPool.class).doesNotHaveBean(PinnedMemoryPools.class)
                        .doesNotHaveBean(PinnedMemoryHelper.class).doesNotHaveBean(BackendSelection.class)
                        .doesNotHaveBean(MemoryBudget.class).doesNotHaveBean(PinnedMemoryProperties.class));
    }

    @Test
    void runWhenDisabledShouldIgnoreInvalidPoolSettings() {
        this.runner.withPropertyValues("pinned-memory.enabled=false", "pinned-memory.pools.frames.element-type=quad")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PinnedMemoryPool.class));
    }

    @Test
    void runWithUserBeansShouldUseThemInsteadOfOwn() {
        this.runner.withUserConfiguration(UserBeans.class).withPropertyValues("pinned-memory.pools.frames.buffer-size=4KB",
                "pinned-memory.pools.frames.initial-size=1").run(context -> {
                    assertThat(context).hasSingleBean(BackendSelection.class).hasSingleBean(MemoryBudget.class)
                            .hasSingleBean(PinnedMemoryHelper.class).hasSingleBean(PinnedMemoryPools.class);
                    assertThat(context.getBean(BackendSelection.class)).isSameAs(UserBeans.SELECTION);
                    assertThat(context.getBean(MemoryBudget.class).limitBytes()).isEqualTo(123_456);
                    assertThat(context.getBean(PinnedMemoryHelper.class).selector().reuseThreshold()).isEqualTo(99);
                    assertThat(context.getBean(PinnedMemoryPools.class).names()).isEmpty();
                    PinnedMemoryPool<?> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
                    assertThat(frames.backend()).isSameAs(UserBeans.SELECTION.backend());
                    assertThat(frames.budget()).isSameAs(context.getBean(MemoryBudget.class));
                    assertThat(frames.budget().usedBytes()).isEqualTo(4096);
                });
    }

    @Test
    void runWithUserPoolBeanUnderConfiguredNameShouldKeepTheUserPool() {
        this.runner.withUserConfiguration(UserFramesPool.class)
                .withPropertyValues("pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB")
                .run(context -> {
                    assertThat(context).hasSingleBean(PinnedMemoryPool.class);
                    PinnedMemoryPool<?> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
                    assertThat(frames.name()).isEqualTo("user-frames");
                    assertThat(frames.elementType()).isEqualTo(ElementType.BYTE);
                    assertThat(context.getBean(PinnedMemoryPools.class).names()).containsExactly("user-frames");
                });
    }

    @Test
    void runWithUserPoolAndNoConfiguredPoolsShouldNotAddDefaultPool() {
        this.runner.withUserConfiguration(UserPool.class).run(context -> {
            assertThat(context).hasSingleBean(PinnedMemoryPool.class).doesNotHaveBean("defaultPinnedMemoryPool");
            assertThat(context.getBean(PinnedMemoryPools.class).asMap()).containsOnlyKeys("mine");
        });
    }

    @Test
    void closeShouldClosePoolsAndReleaseTheirBytes() {
        PinnedMemoryPool<?>[] pool = new PinnedMemoryPool<?>[1];
        MemoryBudget[] budget = new MemoryBudget[1];
        this.runner.withPropertyValues("pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames.initial-size=3")
                .run(context -> {
                    pool[0] = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
                    budget[0] = context.getBean(MemoryBudget.class);
                    assertThat(budget[0].usedBytes()).isEqualTo(3 * 4096);
                    assertThat(pool[0].isClosed()).isFalse();
                });
        assertThat(pool[0].isClosed()).isTrue();
        assertThat(pool[0].stats().pinnedBytes()).isZero();
        assertThat(budget[0].usedBytes()).isZero();
    }

    @Test
    void runWithLazyInitializationShouldStillWarmPoolsDuringRefresh() {
        this.runner.withInitializer(context -> context.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
                .withPropertyValues("pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames.initial-size=2")
                .run(context -> {
                    // Looking up the budget alone must find the pool's initial buffers already reserved.
                    assertThat(context.getBean(MemoryBudget.class).usedBytes()).isEqualTo(2 * 4096);
                    assertThat(context.getBeanFactory().getBeanDefinition("pinnedMemoryBudget").isLazyInit()).isTrue();
                });
    }

    @Test
    void poolsRegistryShouldFindPoolsAndRejectWrongTypesAndNames() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=4KB")
                .run(context -> {
                    PinnedMemoryPools pools = context.getBean(PinnedMemoryPools.class);
                    assertThat(pools.find("frames")).containsSame(context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class));
                    assertThat(pools.find("nope")).isEmpty();
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> pools.get("nope"))
                            .hasMessage("no pinned memory pool 'nope' (known: [frames])");
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> pools.get("frames", ElementType.INT))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds FLOAT elements");
                    assertThat(pools.asMap()).isEqualTo(Map.of("frames", pools.get("frames")));
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {

        static final BackendSelection SELECTION = PageLockingBackends.select(BackendKind.UNLOCKED, false);

        @Bean
        BackendSelection userSelection() {
            return SELECTION;
        }

        @Bean
        MemoryBudget userBudget() {
            return new MemoryBudget(123_456);
        }

        @Bean
        PinnedMemoryHelper userHelper() {
            return new PinnedMemoryHelper(SELECTION, new PinningStrategySelector(1, 2, 99), LeakDetectionLevel.SIMPLE,
                    MemoryBudget.unlimited());
        }

        @Bean
        PinnedMemoryPools userPools() {
            return new PinnedMemoryPools(java.util.List.of());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserFramesPool {

        @Bean
        PinnedMemoryPool<byte[]> framesPinnedMemoryPool() {
            return PinnedMemoryPool.builder(ElementType.BYTE).name("user-frames").bufferSize(16)
                    .backend(PageLockingBackends.unlocked()).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserPool {

        @Bean
        PinnedMemoryPool<byte[]> myPool() {
            return PinnedMemoryPool.builder(ElementType.BYTE).name("mine").bufferSize(16)
                    .backend(PageLockingBackends.unlocked()).build();
        }
    }
}
