package dev.pinnedmemory.web;

import java.util.List;

import dev.pinnedmemory.PinnedMemoryPools;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * {@link PinnedBody} for Spring MVC: {@link PinnedBodyArgumentResolver} over the application's
 * {@link PinnedMemoryPools} bean, added through {@link WebMvcConfigurer#addArgumentResolvers}; refusals
 * answered as problem details ({@link PinnedBodyExceptionHandler}); and, once every singleton exists, every
 * handler method of every {@link RequestMappingHandlerMapping} checked against the pools (also when beans
 * are lazy by default). Imported by {@link EnablePinnedBody} and by the starter's auto-configuration;
 * creates no memory.
 */
@Configuration(proxyBeanMethods = false)
public final class PinnedBodyWebMvcConfiguration {

    @Bean
    PinnedBodyArgumentResolver pinnedBodyArgumentResolver(PinnedMemoryPools pools) {
        return new PinnedBodyArgumentResolver(pools);
    }

    @Bean
    WebMvcConfigurer pinnedBodyWebMvcConfigurer(PinnedBodyArgumentResolver resolver) {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(resolver);
            }
        };
    }

    @Bean
    PinnedBodyExceptionHandler pinnedBodyExceptionHandler() {
        return new PinnedBodyExceptionHandler();
    }

    @Bean
    @Lazy(false)
    PinnedBodyHandlerCheck pinnedBodyHandlerCheck(ObjectProvider<RequestMappingHandlerMapping> mappings,
                                                  PinnedBodyArgumentResolver resolver) {
        return new PinnedBodyHandlerCheck(() -> mappings.orderedStream()
                .forEach(mapping -> resolver.checkHandlerMethods(mapping.getHandlerMethods().values())));
    }
}
