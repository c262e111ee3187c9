package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.metrics.InferenceMeters;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the per-model
 * inference meters: with Micrometer on the class path, {@link InferenceMeters}, which the inference server
 * tells about every request and Spring Boot binds to the application's registries. Ordered before the
 * server's auto-configuration, whose server takes every observer bean. Creates no memory.
 */
@AutoConfiguration(before = PinnedInferenceAutoConfiguration.class, after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass({ MeterBinder.class, InferenceMeters.class })
@ConditionalOnBean(InferenceModel.class)
@ConditionalOnBooleanProperty(name = "pinned-memory.inference.enabled", matchIfMissing = true)
public final class PinnedInferenceMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    InferenceMeters inferenceMeters() {
        return new InferenceMeters();
    }
}
