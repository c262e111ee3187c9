package dev.pinnedmemory.web;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import dev.pinnedmemory.PinnedBuffer;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * A plain Spring MVC application (no Spring Boot) whose handlers take {@code @PinnedBody} parameters, and record
 * what they saw: {@code @EnableWebMvc} and {@link EnablePinnedBody} beside the application's pools.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebMvc
@EnablePinnedBody
@Import({IngestPools.class, MvcIngestApplication.IngestController.class})
class MvcIngestApplication {

    @RestController
    static class IngestController {

        /** Every lease a handler received, in order. */
        final List<PinnedBuffer<?>> received = new CopyOnWriteArrayList<>();
        /** Completes the pending {@code /deferred} request from the test's thread. */
        final AtomicReference<CompletableFuture<Void>> release = new AtomicReference<>(new CompletableFuture<>());

        @PostMapping("/floats")
        float[] floats(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            return batch.toArray();
        }

        @PostMapping("/bytes")
        String bytes(@PinnedBody PinnedBuffer<byte[]> body) {
            received.add(body);
            CRC32 crc = new CRC32();
            crc.update(body.segment().asByteBuffer());
            return body.length() + " " + Long.toHexString(crc.getValue());
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

        @PostMapping("/callable")
        Callable<String> callable(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            return () -> "sum " + sum(batch.toArray());
        }

        @PostMapping("/deferred")
        DeferredResult<String> deferred(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            received.add(batch);
            DeferredResult<String> result = new DeferredResult<>(30_000L);
            release.get().thenRunAsync(() -> result.setResult("sum " + sum(batch.toArray())));
            return result;
        }

        static double sum(float[] values) {
            double sum = 0;
            for (float value : values) {
                sum += value;
            }
            return sum;
        }
    }
}
