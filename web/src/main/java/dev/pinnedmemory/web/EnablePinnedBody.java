package dev.pinnedmemory.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;

/**
 * Turns on {@link PinnedBody} in a Spring MVC or WebFlux application that does not use Spring Boot
 * (with Boot, the starter does this). Put it on a {@code @Configuration} class beside
 * {@code @EnableWebMvc} or {@code @EnableWebFlux}; the application defines the pools as one
 * {@link dev.pinnedmemory.PinnedMemoryPools} bean:
 *
 * {@snippet :
 * @Configuration
 * @EnableWebMvc
 * @EnablePinnedBody
 * class WebConfig {
 *
 *     @Bean(destroyMethod = "close")
 *     PinnedMemoryPool<float[]> frames() {
 *         return PinnedMemoryPool.builder(ElementType.FLOAT).name("frames").bufferSize(1 << 20).build();
 *     }
 *
 *     @Bean
 *     PinnedMemoryPools pinnedMemoryPools(List<PinnedMemoryPool<?>> pools) {
 *         return new PinnedMemoryPools(pools);
 *     }
 * }
 * }
 *
 * <p>Spring MVC gets {@link PinnedBodyArgumentResolver} (added through
 * {@code WebMvcConfigurer.addArgumentResolvers}) from {@link PinnedBodyWebMvcConfiguration}; WebFlux gets
 * {@link ReactivePinnedBodyArgumentResolver} and the {@link PinnedBodyWebFilter} that ends each exchange's
 * leases from {@link PinnedBodyWebFluxConfiguration}. Both answer refusals as problem details
 * ({@link PinnedBodyExceptionHandler}) and check every handler method's {@code @PinnedBody} parameters against
 * the pools when the context has refreshed, so an unknown pool or a wrong element type fails start-up.
 * Neither switches Spring MVC or WebFlux on by itself, nor replaces any of their configuration.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(PinnedBodyConfigurationSelector.class)
public @interface EnablePinnedBody {

    /**
     * The web stacks to wire. Empty (the default): the stack of the {@code @EnableWebMvc} or
     * {@code @EnableWebFlux} on the same class; without either, the one this class path serves, decided as Spring
     * Boot decides: Spring MVC when {@code spring-webmvc} and the Servlet API are there, else WebFlux when
     * {@code spring-webflux} and Reactor are. A stack whose classes are missing fails the import, naming them.
     */
    WebStack[] stacks() default {};

    /** A web stack that {@link EnablePinnedBody} can wire. */
    enum WebStack {

        /** Spring MVC on a Servlet 6.1 container: {@link PinnedBodyWebMvcConfiguration}. */
        WEBMVC("Spring MVC", "dev.pinnedmemory.web.PinnedBodyWebMvcConfiguration",
                "org.springframework.web.servlet.DispatcherServlet", "jakarta.servlet.ServletInputStream"),

        /** Spring WebFlux on Reactor: {@link PinnedBodyWebFluxConfiguration}. */
        WEBFLUX("Spring WebFlux", "dev.pinnedmemory.web.PinnedBodyWebFluxConfiguration",
                "org.springframework.web.reactive.DispatcherHandler", "reactor.core.publisher.Mono");

        private final String displayName;
        /** By name: loading the other stack's configuration could need classes this class path lacks. */
        private final String configuration;
        private final String[] requiredClasses;

        WebStack(String displayName, String configuration, String... requiredClasses) {
            this.displayName = displayName;
            this.configuration = configuration;
            this.requiredClasses = requiredClasses;
        }

        String displayName() {
            return displayName;
        }

        String configuration() {
            return configuration;
        }

        String[] requiredClasses() {
            return requiredClasses.clone();
        }
    }
}
