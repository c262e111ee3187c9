package dev.pinnedmemory.autoconfigure;

import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.util.unit.DataSize;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the Open
 * Inference Protocol over gRPC: with {@code pinned-memory-inference} and grpc-java on the class path and
 * at least one {@link InferenceModel} bean, a {@link GrpcInferenceService} bean serving the
 * {@link InferenceServer} bean's models. Spring gRPC (1.0.x, the line for Spring Boot 4.0) serves every
 * {@link BindableService} bean on its grpc-java Netty server, on {@code spring.grpc.server.port} (9090 by
 * default; Triton clients expect 8001); this configuration raises that server's
 * {@code max-inbound-message-size} to the service's largest request. {@code pinned-memory.inference.grpc.enabled=false}
 * (or {@code pinned-memory.enabled=false}) turns gRPC off; without Spring gRPC's server starter no gRPC
 * server runs at all.
 *
 * <p>Ordered before Spring gRPC's server auto-configuration, which starts only when it finds a
 * {@link BindableService} bean, and after the inference auto-configuration that makes the
 * {@link InferenceServer} bean (issue 27's, named here by class name). Until that one is there, a
 * server is made here from the models and {@code pinned-memory.inference.pool}.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class,
        afterName = {"dev.pinnedmemory.autoconfigure.InferenceAutoConfiguration",
                "dev.pinnedmemory.autoconfigure.PinnedInferenceAutoConfiguration"},
        beforeName = {"org.springframework.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration",
                "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration"})
@ConditionalOnClass({GrpcInferenceService.class, BindableService.class})
@ConditionalOnBooleanProperty(name = {"pinned-memory.enabled", "pinned-memory.inference.grpc.enabled"}, matchIfMissing = true)
@ConditionalOnBean(InferenceModel.class)
@EnableConfigurationProperties(InferenceGrpcProperties.class)
public final class InferenceGrpcAutoConfiguration {

    private static final System.Logger LOG = System.getLogger(InferenceGrpcAutoConfiguration.class.getName());

    @Bean
    @ConditionalOnMissingBean
    GrpcInferenceService grpcInferenceService(InferenceServer inferenceServer, InferenceGrpcProperties properties) {
        DataSize max = properties.getMaxMessageSize();
        return max == null ? new GrpcInferenceService(inferenceServer)
                : new GrpcInferenceService(inferenceServer, max.toBytes());
    }

    /** Spring gRPC's server, raised to take the service's largest request (its default is 4MB). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ServerBuilderCustomizer.class)
    static class SpringGrpcServer {

        @Bean
        <T extends ServerBuilder<T>> ServerBuilderCustomizer<T> grpcInferenceMessageSizeCustomizer(GrpcInferenceService service,
                                                                                                 Environment environment) {
            long configured = Binder.get(environment).bind("spring.grpc.server.max-inbound-message-size", DataSize.class)
                    .map(DataSize::toBytes).orElse(4L << 20);
            long needed = service.maxMessageBytes();
            if (needed <= configured) {
                return builder -> { };
            }
            LOG.log(System.Logger.Level.INFO, "raising spring.grpc.server.max-inbound-message-size from {0} to {1} bytes for "
                    + "{2} (its largest ModelInfer request); every service on that server shares the limit", configured,
                    needed, GrpcInferenceService.SERVICE_NAME);
            return builder -> builder.maxInboundMessageSize((int) needed);
        }
    }

    /**
     * The inference server, when no other configuration made one: the models, the byte pool named by
     * {@code pinned-memory.inference.pool} (else {@code tensors}, else the only byte pool), and
     * {@code max-inputs} / {@code max-header-size} as {@link InferenceLimits#DEFAULTS} has them unless set.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(InferenceServer.class)
    static class InferenceServerFallback {

        @Bean
        InferenceServer inferenceServer(ObjectProvider<InferenceModel> models, PinnedMemoryPools pools, Environment environment) {
            Binder binder = Binder.get(environment);
            String name = binder.bind("pinned-memory.inference.pool", String.class).orElse(null);
            int maxInputs = binder.bind("pinned-memory.inference.max-inputs", Integer.class)
                    .orElse(InferenceLimits.DEFAULTS.maxInputs());
            long maxHeader = binder.bind("pinned-memory.inference.max-header-size", DataSize.class).map(DataSize::toBytes)
                    .orElse(InferenceLimits.DEFAULTS.maxHeaderBytes());
            return InferenceServer.builder(tensorPool(pools, name)).models(models.orderedStream().toList())
                    .limits(new InferenceLimits(maxInputs, maxHeader)).build();
        }

        private static PinnedMemoryPool<byte[]> tensorPool(PinnedMemoryPools pools, @Nullable String name) {
            if (name != null) {
                return pools.get(name, ElementType.BYTE);
            }
            List<String> bytePools = pools.asMap().entrySet().stream()
                    .filter(entry -> entry.getValue().elementType() == ElementType.BYTE).map(java.util.Map.Entry::getKey).toList();
            String chosen = bytePools.contains("tensors") ? "tensors" : bytePools.size() == 1 ? bytePools.getFirst() : null;
            if (chosen == null) {
                throw new IllegalStateException("pinned-memory.inference.pool: no byte pool named 'tensors' and not exactly "
                        + "one byte pool (byte pools: " + bytePools + "); name the pool input tensors are rented from");
            }
            return pools.get(chosen, ElementType.BYTE);
        }
    }
}
