package dev.pinnedmemory.autoconfigure;

import java.util.List;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyArgumentResolver;
import dev.pinnedmemory.web.PinnedBodyExceptionHandler;
import jakarta.servlet.ServletInputStream;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of
 * {@link PinnedBody} for Spring MVC: in a servlet web application with the pools of
 * {@link PinnedMemoryAutoConfiguration}, registers {@link PinnedBodyArgumentResolver} through
 * {@link WebMvcConfigurer#addArgumentResolvers}, answers refusals as problem details
 * ({@link PinnedBodyExceptionHandler}), and checks every handler method's {@code @PinnedBody}
 * parameters against the pools at start-up. Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({WebMvcConfigurer.class, ServletInputStream.class})
@ConditionalOnBean(PinnedMemoryPools.class)
public final class PinnedBodyWebMvcAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
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
    @ConditionalOnMissingBean
    PinnedBodyExceptionHandler pinnedBodyExceptionHandler() {
        return new PinnedBodyExceptionHandler();
    }

    @Bean
    PinnedBodyHandlerCheck pinnedBodyHandlerCheck(ObjectProvider<RequestMappingHandlerMapping> mappings,
                                                  PinnedBodyArgumentResolver resolver) {
        return new PinnedBodyHandlerCheck(() -> mappings.orderedStream()
                .forEach(mapping -> resolver.checkHandlerMethods(mapping.getHandlerMethods().values())));
    }

    @Bean
    static LazyInitializationExcludeFilter pinnedBodyLazyInitializationExcludeFilter() {
        return LazyInitializationExcludeFilter.forBeanTypes(PinnedBodyHandlerCheck.class);
    }
}
