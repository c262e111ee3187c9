package dev.pinnedmemory.inference.rest;

import java.util.List;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceServer;
import org.apache.coyote.http11.AbstractHttp11Protocol;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * Spring MVC on an embedded Tomcat on a random port serving {@link InferenceRestController} over the given
 * models and pool, wired by hand (no Boot auto-configuration: that lives in another module). The test owns
 * the pool; closing this stops Tomcat.
 */
final class RestTestServer implements AutoCloseable {

    private final AnnotationConfigServletWebServerApplicationContext context;
    final InferenceServer server;

    RestTestServer(PinnedMemoryPool<byte[]> pool, List<? extends InferenceModel> models) {
        this(pool, models, InferenceLimits.DEFAULTS, InferenceObserver.NONE);
    }

    RestTestServer(PinnedMemoryPool<byte[]> pool, List<? extends InferenceModel> models, InferenceLimits limits,
                   InferenceObserver observer) {
        this(InferenceServer.builder(pool).models(models).limits(limits).observer(observer).build());
    }

    /** Serves {@code server} (the test owns what it was built on). */
    RestTestServer(InferenceServer server) {
        this.server = server;
        context = new AnnotationConfigServletWebServerApplicationContext();
        context.registerBean(InferenceServer.class, () -> server);
        context.register(Web.class);
        context.refresh();
    }

    int port() {
        return context.getWebServer().getPort();
    }

    RawHttp client() throws java.io.IOException {
        return new RawHttp(port());
    }

    @Override
    public void close() {
        context.close();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {

        @Bean
        static TomcatServletWebServerFactory tomcat() {
            TomcatServletWebServerFactory tomcat = new TomcatServletWebServerFactory(0);
            tomcat.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    http.setMaxKeepAliveRequests(-1);
                }
            });
            return tomcat;
        }

        @Bean
        static DispatcherServlet dispatcherServlet() {
            return new DispatcherServlet();
        }

        @Bean
        InferenceRestController inferenceRestController(InferenceServer server) {
            return new InferenceRestController(server);
        }
    }
}
