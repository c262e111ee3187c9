package dev.pinnedmemory.web;

import dev.pinnedmemory.PinnedMemoryPools;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

/**
 * {@link PinnedBody} for Spring WebFlux: {@link ReactivePinnedBodyArgumentResolver} over the application's
 * {@link PinnedMemoryPools} bean, added through {@link WebFluxConfigurer#configureArgumentResolvers}; the
 * {@link PinnedBodyWebFilter} that ends each exchange's leases (a {@code WebFilter} bean, which
 * {@code WebHttpHandlerBuilder.applicationContext} and Spring Boot pick up); refusals answered as problem
 * details ({@link PinnedBodyExceptionHandler}); and, once every singleton exists, every handler method of every
 * {@link RequestMappingHandlerMapping} checked against the pools (also when beans are lazy by default).
 * Imported by {@link EnablePinnedBody} and by the starter's auto-configuration; creates no memory. Its bean
 * names differ from {@link PinnedBodyWebMvcConfiguration}'s, so both can be imported.
 */
@Configuration(proxyBeanMethods = false)
public final class PinnedBodyWebFluxConfiguration {

    @Bean
    ReactivePinnedBodyArgumentResolver reactivePinnedBodyArgumentResolver(PinnedMemoryPools pools) {
        return new ReactivePinnedBodyArgumentResolver(pools);
    }

    @Bean
    WebFluxConfigurer pinnedBodyWebFluxConfigurer(ReactivePinnedBodyArgumentResolver resolver) {
        return new WebFluxConfigurer() {
            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(resolver);
            }
        };
    }

    @Bean
    PinnedBodyWebFilter pinnedBodyWebFilter() {
        return new PinnedBodyWebFilter();
    }

    @Bean
    PinnedBodyExceptionHandler reactivePinnedBodyExceptionHandler() {
        return new PinnedBodyExceptionHandler();
    }

    @Bean
    @Lazy(false)
    PinnedBodyHandlerCheck reactivePinnedBodyHandlerCheck(ObjectProvider<RequestMappingHandlerMapping> mappings,
                                                          ReactivePinnedBodyArgumentResolver resolver) {
        return new PinnedBodyHandlerCheck(() -> mappings.orderedStream()
                .forEach(mapping -> resolver.checkHandlerMethods(mapping.getHandlerMethods().values())));
    }
}
