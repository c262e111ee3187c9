package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.metrics.PinnedMemoryPoolMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * pool meters: only with Micrometer on the class path. The {@link MeterBinder} is bound to the
 * application's meter registries by Spring Boot's metrics support. Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(PinnedMemoryPools.class)
public final class PinnedMemoryMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PinnedMemoryPoolMetrics pinnedMemoryPoolMetrics(PinnedMemoryPools pools) {
        return new PinnedMemoryPoolMetrics(pools);
    }
}
