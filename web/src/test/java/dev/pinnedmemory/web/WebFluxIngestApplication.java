package dev.pinnedmemory.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pinnedmemory.PinnedBuffer;
import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;

/**
 * A plain Spring WebFlux application (no Spring Boot) whose handlers take {@code @PinnedBody} parameters, and
 * record what they saw: {@code @EnableWebFlux} and {@link EnablePinnedBody} beside the application's pools.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFlux
@EnablePinnedBody
@Import({IngestPools.class, WebFluxIngestApplication.ReactiveIngestController.class})
class WebFluxIngestApplication {

    @RestController
    static class ReactiveIngestController {

        final List<PinnedBuffer<?>> received = new CopyOnWriteArrayList<>();

        @PostMapping("/floats")
        float[] floats(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            return batch.toArray();
        }

        @PostMapping("/mono")
        Mono<String> mono(@PinnedBody("frames") Mono<PinnedBuffer<float[]>> batch) {
            return batch.doOnNext(received::add).map(lease -> "sum " + MvcIngestApplication.IngestController.sum(
                    lease.toArray()) + " of " + lease.length());
        }

        @PostMapping("/fails")
        String fails(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            throw new IllegalStateException("handler failed on purpose");
        }

        @PostMapping("/closes")
        String closes(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            batch.close();
            return "closed " + batch.length();
        }

        /** Never answers: the exchange ends only when the client goes away. */
        @PostMapping("/never")
        Mono<String> never(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            return Mono.never();
        }
    }
}
