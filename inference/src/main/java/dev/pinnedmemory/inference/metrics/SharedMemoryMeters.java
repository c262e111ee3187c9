package dev.pinnedmemory.inference.metrics;

import java.util.Objects;

import dev.pinnedmemory.inference.SharedMemoryRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the system shared memory regions clients register, read from the registry's counters
 * when they are scraped:
 * <ul>
 * <li>{@value #REGIONS} (gauge, tag {@code state}: {@code registered}, or {@code unregistering}: unregistered,
 *     its requests still running, its memory still held);</li>
 * <li>{@value #BYTES} (gauge, bytes): the bytes of the regions held, mapped, page-locked and counted against the
 *     pools' budget;</li>
 * <li>{@value #REGISTRATIONS} (counter, tag {@code result}: {@code registered} or {@code refused}) and
 *     {@value #UNREGISTRATIONS} (counter);</li>
 * <li>{@value #COPIED_BYTES} (counter, bytes): output bytes the server copied into regions because a model
 *     answered in memory of its own (0 while every model writes where the client asked).</li>
 * </ul>
 *
 * <p>A {@link MeterBinder}: Spring Boot binds it to the application's registries. Refers to the registry, which
 * its creator owns; owns no memory. Thread-safe: the meters only read the registry's atomic counters.
 */
public final class SharedMemoryMeters implements MeterBinder {

    /** The regions gauge. */
    public static final String REGIONS = "pinned.memory.inference.shared.memory.regions";
    /** The bytes gauge. */
    public static final String BYTES = "pinned.memory.inference.shared.memory.bytes";
    /** The registrations counter. */
    public static final String REGISTRATIONS = "pinned.memory.inference.shared.memory.registrations";
    /** The unregistrations counter. */
    public static final String UNREGISTRATIONS = "pinned.memory.inference.shared.memory.unregistrations";
    /** The copied bytes counter. */
    public static final String COPIED_BYTES = "pinned.memory.inference.shared.memory.copied.bytes";

    private final SharedMemoryRegistry regions;

    /** @param regions the registry to observe */
    public SharedMemoryMeters(SharedMemoryRegistry regions) {
        this.regions = Objects.requireNonNull(regions, "regions");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(REGIONS, regions, SharedMemoryRegistry::regionCount).tag("state", "registered")
                .description("System shared memory regions registered by clients").register(registry);
        Gauge.builder(REGIONS, regions, r -> Math.max(0, r.heldRegionCount() - r.regionCount())).tag("state", "unregistering")
                .description("System shared memory regions unregistered whose requests still run").register(registry);
        Gauge.builder(BYTES, regions, SharedMemoryRegistry::heldBytes).baseUnit("bytes")
                .description("Bytes of the system shared memory regions held: mapped, page-locked and counted on the budget")
                .register(registry);
        FunctionCounter.builder(REGISTRATIONS, regions, SharedMemoryRegistry::registrations).tag("result", "registered")
                .description("System shared memory registrations").register(registry);
        FunctionCounter.builder(REGISTRATIONS, regions, SharedMemoryRegistry::refusedRegistrations).tag("result", "refused")
                .description("System shared memory registrations").register(registry);
        FunctionCounter.builder(UNREGISTRATIONS, regions, SharedMemoryRegistry::unregistrations)
                .description("System shared memory regions unregistered").register(registry);
        FunctionCounter.builder(COPIED_BYTES, regions, SharedMemoryRegistry::copiedBytes).baseUnit("bytes")
                .description("Output bytes copied into shared memory regions because a model answered in memory of its own")
                .register(registry);
    }
}
