package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.actuate.PinnedMemoryEndpoint;
import dev.pinnedmemory.actuate.PinnedMemoryEndpointWebExtension;
import dev.pinnedmemory.backend.BackendSelection;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * {@code pinnedmemory} Actuator endpoint: only with Actuator on the class path, pinned memory
 * configured, and the endpoint enabled and exposed
 * ({@code management.endpoints.web.exposure.include=pinnedmemory}). Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean({ PinnedMemoryPools.class, BackendSelection.class })
@ConditionalOnAvailableEndpoint(PinnedMemoryEndpoint.class)
public final class PinnedMemoryEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PinnedMemoryEndpoint pinnedMemoryEndpoint(PinnedMemoryPools pools, BackendSelection selection) {
        return new PinnedMemoryEndpoint(pools, selection.report());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PinnedMemoryEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    PinnedMemoryEndpointWebExtension pinnedMemoryEndpointWebExtension(PinnedMemoryEndpoint endpoint) {
        return new PinnedMemoryEndpointWebExtension(endpoint);
    }
}
