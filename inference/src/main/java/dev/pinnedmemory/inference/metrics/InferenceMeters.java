package dev.pinnedmemory.inference.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.inference.InferenceObserver;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Per-model Micrometer meters of an inference server, recorded as each request ends:
 * <ul>
 * <li>{@value #REQUESTS} (timer, tags {@code model}, {@code version}, {@code outcome}): requests by outcome
 *     ({@code success}, {@code invalid-argument}, {@code not-found}... see {@code InferenceObserver.CompletedRequest})
 *     and their latency, from the request's start until its response was written and its leases ended;</li>
 * <li>{@value #TENSOR_BYTES} (distribution summary, base unit bytes, tags {@code model}, {@code version},
 *     {@code direction} {@code in} or {@code out}): the input tensors' bytes of each request and the output
 *     tensors' bytes of each response.</li>
 * </ul>
 * {@code version} is empty for a model without versions. Percentiles and histograms are Micrometer's to
 * configure ({@code management.metrics.distribution.*} with Spring Boot).
 *
 * <p>A {@link MeterBinder}: Spring Boot binds it to the application's registries; requests that end before
 * that are not recorded. Owns no memory. Thread-safe: meters are made once per tag set and then only recorded.
 */
public final class InferenceMeters implements InferenceObserver, MeterBinder {

    /** The request timer. */
    public static final String REQUESTS = "pinned.memory.inference.requests";
    /** The tensor bytes summary. */
    public static final String TENSOR_BYTES = "pinned.memory.inference.tensor.bytes";

    private record Key(String model, String version, String outcome) {
    }

    private record Bound(MeterRegistry registry, Map<Key, Timer> timers, Map<Key, DistributionSummary> bytes) {
    }

    private final List<Bound> bound = new CopyOnWriteArrayList<>();

    @Override
    public void bindTo(MeterRegistry registry) {
        bound.add(new Bound(registry, new ConcurrentHashMap<>(), new ConcurrentHashMap<>()));
    }

    @Override
    public void completed(CompletedRequest request) {
        String version = versionTag(request.version());
        for (Bound to : bound) {
            Timer timer = to.timers().computeIfAbsent(new Key(request.model(), version, request.outcome()), key -> Timer.builder(REQUESTS)
                    .description("Inference requests, by outcome, from their start until their response was written")
                    .tags("model", key.model(), "version", key.version(), "outcome", key.outcome())
                    .register(to.registry()));
            timer.record(request.durationNanos(), TimeUnit.NANOSECONDS);
            if (request.bytesIn() > 0) {
                bytes(to, request.model(), version, "in").record(request.bytesIn());
            }
            if (request.bytesOut() > 0) {
                bytes(to, request.model(), version, "out").record(request.bytesOut());
            }
        }
    }

    private static DistributionSummary bytes(Bound to, String model, String version, String direction) {
        return to.bytes().computeIfAbsent(new Key(model, version, direction), key -> DistributionSummary.builder(TENSOR_BYTES)
                .description("Tensor bytes of inference requests (in) and responses (out)")
                .baseUnit("bytes")
                .tags("model", key.model(), "version", key.version(), "direction", key.outcome())
                .register(to.registry()));
    }

    private static String versionTag(@Nullable String version) {
        return version == null ? "" : version;
    }
}
