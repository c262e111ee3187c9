package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyArgumentResolver;
import dev.pinnedmemory.web.PinnedBodyWebMvcConfiguration;
import jakarta.servlet.ServletInputStream;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of
 * {@link PinnedBody} for Spring MVC: in a servlet web application with {@code pinned-memory-web} on the
 * class path and the pools of {@link PinnedMemoryAutoConfiguration}, imports the web module's
 * {@link PinnedBodyWebMvcConfiguration} (the argument resolver, the problem-detail answers and the start-up
 * check of every handler method), as {@code @EnablePinnedBody} does without Boot. Backs off when the
 * application wires a {@link PinnedBodyArgumentResolver} itself. Creates no memory.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({PinnedBody.class, WebMvcConfigurer.class, ServletInputStream.class})
@ConditionalOnBean(PinnedMemoryPools.class)
@ConditionalOnMissingBean(PinnedBodyArgumentResolver.class)
@Import(PinnedBodyWebMvcConfiguration.class)
public final class PinnedBodyWebMvcAutoConfiguration {
}
