package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.actuate.PinnedMemoryHealthIndicator;
import dev.pinnedmemory.backend.BackendSelection;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * {@code pinnedMemory} health contributor: only with Spring Boot's health module on the class path
 * and {@code management.health.pinnedmemory.enabled} not false. Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean({ PinnedMemoryPools.class, BackendSelection.class, PinnedMemoryHelper.class })
@ConditionalOnEnabledHealthIndicator("pinnedmemory")
public final class PinnedMemoryHealthContributorAutoConfiguration {

    /** The bean name gives the contributor its name, {@code pinnedMemory}. */
    @Bean
    @ConditionalOnMissingBean(name = "pinnedMemoryHealthIndicator")
    PinnedMemoryHealthIndicator pinnedMemoryHealthIndicator(BackendSelection selection, PinnedMemoryHelper helper,
                                                            PinnedMemoryPools pools, PinnedMemorySettings settings) {
        return new PinnedMemoryHealthIndicator(selection.report(), helper, pools, settings.requirePageLocked());
    }
}
