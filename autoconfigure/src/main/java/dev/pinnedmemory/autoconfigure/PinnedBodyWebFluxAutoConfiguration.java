package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyWebFluxConfiguration;
import dev.pinnedmemory.web.ReactivePinnedBodyArgumentResolver;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of
 * {@link PinnedBody} for Spring WebFlux: in a reactive web application with {@code pinned-memory-web} on the
 * class path and the pools of {@link PinnedMemoryAutoConfiguration}, imports the web module's
 * {@link PinnedBodyWebFluxConfiguration} (the argument resolver, the web filter that ends the leases with the
 * exchange, the problem-detail answers and the start-up check of every handler method), as
 * {@code @EnablePinnedBody} does without Boot. Backs off when the application wires a
 * {@link ReactivePinnedBodyArgumentResolver} itself. Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({PinnedBody.class, WebFluxConfigurer.class, Mono.class})
@ConditionalOnBean(PinnedMemoryPools.class)
@ConditionalOnMissingBean(ReactivePinnedBodyArgumentResolver.class)
@Import(PinnedBodyWebFluxConfiguration.class)
public final class PinnedBodyWebFluxAutoConfiguration {
}
