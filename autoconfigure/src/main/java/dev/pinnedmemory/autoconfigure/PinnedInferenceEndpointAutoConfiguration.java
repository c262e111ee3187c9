package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.actuate.InferenceEndpoint;
import dev.pinnedmemory.inference.actuate.InferenceHealthIndicator;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the inference
 * server's Actuator support: the {@code inference} endpoint (when available:
 * {@code management.endpoints.web.exposure.include=inference}) and the {@code inference} health contributor
 * (unless {@code management.health.inference.enabled=false}). Creates no memory.
 */
@AutoConfiguration(after = PinnedInferenceAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, InferenceEndpoint.class })
@ConditionalOnBean(InferenceServer.class)
public final class PinnedInferenceEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(InferenceEndpoint.class)
    InferenceEndpoint inferenceEndpoint(InferenceServer server) {
        return new InferenceEndpoint(server);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
    @ConditionalOnEnabledHealthIndicator("inference")
    static class Health {

        /** The bean name gives the contributor its name, {@code inference}. */
        @Bean
        @ConditionalOnMissingBean(name = "inferenceHealthIndicator")
        InferenceHealthIndicator inferenceHealthIndicator(InferenceServer server) {
            return new InferenceHealthIndicator(server);
        }
    }
}
