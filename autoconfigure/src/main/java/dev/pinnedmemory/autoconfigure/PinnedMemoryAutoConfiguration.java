package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for
 * pinned memory: the validated {@link PinnedMemorySettings} and one {@link PinnedMemoryPool} per
 * configured pool (both from {@link PinnedMemoryPoolRegistrar}), the backend selection, the shared
 * {@link MemoryBudget}, the {@link PinnedMemoryPools} registry and a {@link PinnedMemoryHelper}.
 * Beans of these types that the application defines win. Switched off by
 * {@code pinned-memory.enabled=false}. The {@link PinnedMemoryProperties} bean, which
 * {@code /actuator/configprops} lists, is enabled here the standard way and bound by Spring Boot.
 *
 * <p>The context owns everything created here: pools and helper are closed at shutdown, which
 * unlocks and frees all their memory.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "pinned-memory.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PinnedMemoryProperties.class)
public final class PinnedMemoryAutoConfiguration {

    @Bean
    static PinnedMemoryPoolRegistrar pinnedMemoryPoolRegistrar() {
        return new PinnedMemoryPoolRegistrar();
    }

    @Bean
    static LazyInitializationExcludeFilter pinnedMemoryLazyInitializationExcludeFilter() {
        return LazyInitializationExcludeFilter.forBeanTypes(PinnedMemoryPool.class, PinnedMemoryPools.class,
                PinnedMemoryPoolsWarmup.class);
    }

    /** Chosen once; core logs the choice and the reasons at INFO. */
    @Bean
    @ConditionalOnMissingBean
    BackendSelection pinnedMemoryBackendSelection(PinnedMemorySettings settings) {
        return PageLockingBackends.select(settings.backend(), settings.requirePageLocked());
    }

    @Bean
    @ConditionalOnMissingBean
    MemoryBudget pinnedMemoryBudget(PinnedMemorySettings settings) {
        return new MemoryBudget(settings.maxTotalBytes());
    }

    @Bean
    @ConditionalOnMissingBean
    PinnedMemoryHelper pinnedMemoryHelper(BackendSelection selection, MemoryBudget budget, PinnedMemorySettings settings) {
        return new PinnedMemoryHelper(selection, settings.strategy(), settings.leakDetection(), budget);
    }

    @Bean
    @ConditionalOnMissingBean
    PinnedMemoryPools pinnedMemoryPools(ObjectProvider<PinnedMemoryPool<?>> pools) {
        return new PinnedMemoryPools(pools.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    PinnedMemoryPoolsWarmup pinnedMemoryPoolsWarmup(ObjectProvider<PinnedMemoryPools> pools) {
        return new PinnedMemoryPoolsWarmup(pools);
    }
}
