package dev.pinnedmemory.benchmarks.web;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyArgumentResolver;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.coyote.http11.AbstractHttp11Protocol;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A Spring MVC application on an embedded Tomcat on a random port, with one endpoint per way of taking
 * a body: {@code @PinnedBody} (pools with and without {@code clearOnReturn}), {@code @RequestBody byte[]},
 * and the servlet {@code InputStream} copied through a 64 KiB heap chunk into a lease (what the sample
 * did before {@code @PinnedBody}). Every handler answers the body's length and one byte of it, so each
 * reads the body and none writes more than a few bytes. Built without auto-configuration, so it runs
 * the same from the shaded benchmark jar. Owns its pools and closes them with the context.
 */
final class IngestServer implements AutoCloseable {

    static final int CHUNK_BYTES = 64 * 1024;

    private final AnnotationConfigServletWebServerApplicationContext context;

    IngestServer(int maxBodyBytes) {
        context = new AnnotationConfigServletWebServerApplicationContext();
        context.registerBean("maxBodyBytes", Integer.class, () -> maxBodyBytes);
        context.register(Web.class);
        context.refresh();
    }

    int port() {
        return context.getWebServer().getPort();
    }

    @Override
    public void close() {
        context.close();
    }

    /** The pools: size classes from 1 MiB, so a body of 1 MiB or 16 MiB is one exact class. */
    static PinnedMemoryPool<byte[]> pool(String name, int maxBodyBytes, boolean clearOnReturn) {
        return PinnedMemoryPool.builder(ElementType.BYTE).name(name).bufferSize(maxBodyBytes)
                .minBufferSize(Math.min(maxBodyBytes, 1 << 20)).initialSize(0).maxSize(4).clearOnReturn(clearOnReturn)
                .build();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @Import(IngestController.class)
    static class Web implements WebMvcConfigurer {

        private final PinnedMemoryPools pools;

        Web(PinnedMemoryPools pools) {
            this.pools = pools;
        }

        @Bean
        static TomcatServletWebServerFactory tomcat() {
            TomcatServletWebServerFactory tomcat = new TomcatServletWebServerFactory(0);
            // One connection for the whole run: Tomcat's default closes it after 100 requests.
            tomcat.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    http.setMaxKeepAliveRequests(-1);
                    http.setKeepAliveTimeout(600_000);
                }
            });
            return tomcat;
        }

        @Bean
        static DispatcherServlet dispatcherServlet() {
            return new DispatcherServlet();
        }

        @Bean(destroyMethod = "close")
        static PinnedMemoryPool<byte[]> ingest(Integer maxBodyBytes) {
            return pool("ingest", maxBodyBytes, false);
        }

        @Bean(destroyMethod = "close")
        static PinnedMemoryPool<byte[]> ingestClearing(Integer maxBodyBytes) {
            return pool("ingest-clearing", maxBodyBytes, true);
        }

        @Bean
        static PinnedMemoryPools pools(List<PinnedMemoryPool<?>> pools) {
            return new PinnedMemoryPools(pools);
        }

        @Override
        public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
            resolvers.add(new PinnedBodyArgumentResolver(pools));
        }
    }

    @RestController
    static class IngestController {

        private final PinnedMemoryPool<byte[]> ingest;

        IngestController(List<PinnedMemoryPool<byte[]>> pools) {
            this.ingest = pools.stream().filter(pool -> pool.name().equals("ingest")).findFirst().orElseThrow();
        }

        @PostMapping("/pinned-body")
        String pinnedBody(@PinnedBody("ingest") PinnedBuffer<byte[]> body) {
            return answer(body.length(), body.segment().get(ValueLayout.JAVA_BYTE, body.length() - 1));
        }

        @PostMapping("/pinned-body-clearing")
        String pinnedBodyClearing(@PinnedBody("ingest-clearing") PinnedBuffer<byte[]> body) {
            return answer(body.length(), body.segment().get(ValueLayout.JAVA_BYTE, body.length() - 1));
        }

        @PostMapping("/byte-array")
        String byteArray(@RequestBody byte[] body) {
            return answer(body.length, body[body.length - 1]);
        }

        @PostMapping("/input-stream-chunk")
        String inputStreamChunk(HttpServletRequest request) throws IOException {
            int length = Math.toIntExact(request.getContentLengthLong());
            try (PinnedBuffer<byte[]> lease = ingest.rent(length); InputStream in = request.getInputStream()) {
                MemorySegment target = lease.segment();
                byte[] chunk = new byte[CHUNK_BYTES];
                long filled = 0;
                int read;
                while (filled < length && (read = in.read(chunk, 0, (int) Math.min(chunk.length, length - filled))) > 0) {
                    MemorySegment.copy(chunk, 0, target, ValueLayout.JAVA_BYTE, filled, read);
                    filled += read;
                }
                return answer(filled, target.get(ValueLayout.JAVA_BYTE, filled - 1));
            }
        }

        private static String answer(long length, byte last) {
            return length + ":" + last;
        }
    }
}
