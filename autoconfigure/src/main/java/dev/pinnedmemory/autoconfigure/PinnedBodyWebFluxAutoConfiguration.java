package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyExceptionHandler;
import dev.pinnedmemory.web.PinnedBodyWebFilter;
import dev.pinnedmemory.web.ReactivePinnedBodyArgumentResolver;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of
 * {@link PinnedBody} for Spring WebFlux: in a reactive web application with the pools of
 * {@link PinnedMemoryAutoConfiguration}, registers {@link ReactivePinnedBodyArgumentResolver} through
 * {@link WebFluxConfigurer#configureArgumentResolvers}, the {@link PinnedBodyWebFilter} that ends the
 * leases with the exchange, answers refusals as problem details ({@link PinnedBodyExceptionHandler}),
 * and checks every handler method's {@code @PinnedBody} parameters against the pools at start-up.
 * Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({WebFluxConfigurer.class, Mono.class})
@ConditionalOnBean(PinnedMemoryPools.class)
public final class PinnedBodyWebFluxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
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
    @ConditionalOnMissingBean
    PinnedBodyWebFilter pinnedBodyWebFilter() {
        return new PinnedBodyWebFilter();
    }

    @Bean
    @ConditionalOnMissingBean
    PinnedBodyExceptionHandler pinnedBodyExceptionHandler() {
        return new PinnedBodyExceptionHandler();
    }

    @Bean
    PinnedBodyHandlerCheck reactivePinnedBodyHandlerCheck(ObjectProvider<RequestMappingHandlerMapping> mappings,
                                                          ReactivePinnedBodyArgumentResolver resolver) {
        return new PinnedBodyHandlerCheck(() -> mappings.orderedStream()
                .forEach(mapping -> resolver.checkHandlerMethods(mapping.getHandlerMethods().values())));
    }

    @Bean
    static LazyInitializationExcludeFilter reactivePinnedBodyLazyInitializationExcludeFilter() {
        return LazyInitializationExcludeFilter.forBeanTypes(PinnedBodyHandlerCheck.class);
    }
}
