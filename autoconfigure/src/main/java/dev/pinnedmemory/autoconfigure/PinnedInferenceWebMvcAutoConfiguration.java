package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.rest.InferenceRestController;
import jakarta.servlet.ServletInputStream;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the Open
 * Inference Protocol's REST endpoints ({@code /v2/...}) on Spring MVC: in a servlet web application with an
 * {@link InferenceServer}, registers {@link InferenceRestController}. Spring MVC only; a WebFlux application
 * gets no REST transport. Switched off by {@code pinned-memory.inference.rest.enabled=false} (e.g. to serve
 * gRPC only). Creates no memory.
 */
@AutoConfiguration(after = PinnedInferenceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ InferenceRestController.class, DispatcherServlet.class, ServletInputStream.class })
@ConditionalOnBean(InferenceServer.class)
@ConditionalOnBooleanProperty(name = "pinned-memory.inference.rest.enabled", matchIfMissing = true)
public final class PinnedInferenceWebMvcAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    InferenceRestController inferenceRestController(InferenceServer server) {
        return new InferenceRestController(server);
    }
}
