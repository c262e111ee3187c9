package dev.pinnedmemory.autoconfigure;

import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.metrics.SharedMemoryMeters;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the Open
 * Inference Protocol server: with {@code pinned-memory-inference} on the class path and at least one
 * {@link InferenceModel} bean, one {@link InferenceServer} over every model bean, whose input tensors are
 * leases of the byte pool {@code pinned-memory.inference.pool} ({@code tensors} or the only byte pool by
 * default), held to {@code max-inputs} and {@code max-header-size}, telling every {@link InferenceObserver}
 * bean (the meters) about each request; and its {@link SharedMemoryRegistry} of system shared memory regions
 * (switched off unless {@code pinned-memory.inference.shared-memory.enabled}), with its meters when Micrometer is there. Only wiring: the server and its rules are the library's. A server
 * bean of the application's own wins. Switched off by {@code pinned-memory.inference.enabled=false} (or
 * {@code pinned-memory.enabled=false}). Creates no memory itself.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass(InferenceServer.class)
@ConditionalOnBooleanProperty(name = "pinned-memory.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "pinned-memory.inference.enabled", matchIfMissing = true)
@ConditionalOnBean({ InferenceModel.class, PinnedMemoryPools.class })
@EnableConfigurationProperties(PinnedInferenceProperties.class)
public final class PinnedInferenceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    InferenceServer inferenceServer(ObjectProvider<InferenceModel> models, PinnedMemoryPools pools,
                                    PinnedInferenceProperties properties, ObjectProvider<InferenceObserver> observers,
                                    SharedMemoryRegistry sharedMemoryRegistry) {
        List<InferenceObserver> all = observers.orderedStream().toList();
        return InferenceServer.builder(tensorPool(pools, properties.getPool()))
                .models(models.orderedStream().toList())
                .limits(new InferenceLimits(properties.getMaxInputs(), properties.getMaxHeaderSize().toBytes()))
                .observer(all.size() == 1 ? all.getFirst() : request -> all.forEach(observer -> observer.completed(request)))
                .sharedMemory(sharedMemoryRegistry)
                .build();
    }

    /**
     * The system shared memory regions: locked by the tensor pool's backend and counted against its budget
     * ({@code max-total-size}); {@link SharedMemoryRegistry#disabled()} unless
     * {@code pinned-memory.inference.shared-memory.enabled}. Closed with the context: every region is unregistered
     * and unlocked at the application's stop.
     */
    @Bean
    @ConditionalOnMissingBean
    SharedMemoryRegistry sharedMemoryRegistry(PinnedMemoryPools pools, PinnedInferenceProperties properties) {
        PinnedInferenceProperties.SharedMemory shared = properties.getSharedMemory();
        if (!shared.isEnabled()) {
            return SharedMemoryRegistry.disabled();
        }
        PinnedMemoryPool<byte[]> pool = tensorPool(pools, properties.getPool());
        return SharedMemoryRegistry.create(pool.backend(), pool.budget(), new SharedMemoryLimits(shared.getMaxRegions(),
                shared.getMaxTotalSize().toBytes(), shared.getUnregisterTimeout()));
    }

    /** The shared memory meters, with Micrometer (bound by Boot's metrics support, as every {@code MeterBinder}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.micrometer.core.instrument.binder.MeterBinder",
            "dev.pinnedmemory.inference.metrics.SharedMemoryMeters"})
    static class SharedMemoryMetrics {

        @Bean
        @ConditionalOnMissingBean
        SharedMemoryMeters sharedMemoryMeters(SharedMemoryRegistry sharedMemoryRegistry) {
            return new SharedMemoryMeters(sharedMemoryRegistry);
        }
    }

    /** {@return the byte pool named {@code name}, or 'tensors', or the only byte pool} */
    @SuppressWarnings("unchecked")
    static PinnedMemoryPool<byte[]> tensorPool(PinnedMemoryPools pools, @Nullable String name) {
        String property = PinnedInferenceProperties.PREFIX + ".pool";
        List<String> bytePools = pools.asMap().values().stream().filter(pool -> pool.elementType() == ElementType.BYTE)
                .map(PinnedMemoryPool::name).toList();
        String chosen = name;
        if (chosen == null) {
            if (pools.find(PinnedInferenceProperties.DEFAULT_POOL).isPresent()) {
                chosen = PinnedInferenceProperties.DEFAULT_POOL;
            } else if (bytePools.size() == 1) {
                chosen = bytePools.getFirst();
            } else {
                throw new InvalidPinnedMemoryPropertyException(property, "must name the byte pool for input tensors when there "
                        + "is no pool 'tensors' and not exactly one byte pool", "unset (byte pools: " + bytePools + ")",
                        "Configure pinned-memory.pools.tensors (element-type: byte, buffer-size: the largest tensor), or set "
                                + property + " to one of " + bytePools + ".");
            }
        }
        PinnedMemoryPool<?> pool = pools.find(chosen).orElse(null);
        if (pool == null) {
            throw new InvalidPinnedMemoryPropertyException(property, "must name a configured pool", "'" + chosen + "'",
                    "Set " + property + " to one of the byte pools " + bytePools + ", or configure pinned-memory.pools." + chosen + ".");
        }
        if (pool.elementType() != ElementType.BYTE) {
            throw new InvalidPinnedMemoryPropertyException(property, "must name a byte pool", "'" + chosen + "' (a pool of "
                    + pool.elementType() + " elements)", "Set pinned-memory.pools." + chosen + ".element-type to byte, or "
                    + property + " to one of the byte pools " + bytePools + ".");
        }
        return (PinnedMemoryPool<byte[]>) pool;
    }
}
