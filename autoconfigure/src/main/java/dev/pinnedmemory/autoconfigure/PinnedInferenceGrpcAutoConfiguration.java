package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import dev.pinnedmemory.inference.grpc.NettyFrameSize;
import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.util.unit.DataSize;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the Open
 * Inference Protocol over gRPC: with {@code pinned-memory-inference} and grpc-java on the class path and
 * an {@link InferenceServer} bean (there is one with at least one {@link InferenceModel} bean), a {@link GrpcInferenceService} bean serving the
 * {@link InferenceServer} bean's models. Spring gRPC (1.0.x, the line for Spring Boot 4.0) serves every
 * {@link BindableService} bean on its grpc-java Netty server, on {@code spring.grpc.server.port} (9090 by
 * default; Triton clients expect 8001); this configuration raises that server's
 * {@code max-inbound-message-size} to the service's largest request and, when it is grpc-java's Netty server,
 * makes it advertise HTTP/2 frames of {@code pinned-memory.inference.grpc.max-frame-size} (1MB by default;
 * {@link NettyFrameSize}, on event loops of the customizer's own). {@code pinned-memory.inference.grpc.enabled=false}
 * (or {@code pinned-memory.enabled=false}) turns gRPC off; without Spring gRPC's server starter no gRPC
 * server runs at all.
 *
 * <p>Ordered before Spring gRPC's server auto-configuration, which starts only when it finds a
 * {@link BindableService} bean, and after the inference auto-configuration that makes the
 * {@link InferenceServer} bean ({@link PinnedInferenceAutoConfiguration}'s, or the application's own).
 */
@AutoConfiguration(after = PinnedInferenceAutoConfiguration.class,
        beforeName = {"org.springframework.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration",
                "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration"})
@ConditionalOnClass({GrpcInferenceService.class, BindableService.class})
@ConditionalOnBooleanProperty(name = {"pinned-memory.enabled", "pinned-memory.inference.enabled",
        "pinned-memory.inference.grpc.enabled"}, matchIfMissing = true)
@ConditionalOnBean(InferenceServer.class)
public final class PinnedInferenceGrpcAutoConfiguration {

    private static final System.Logger LOG = System.getLogger(PinnedInferenceGrpcAutoConfiguration.class.getName());

    @Bean
    @ConditionalOnMissingBean
    GrpcInferenceService grpcInferenceService(InferenceServer inferenceServer, PinnedInferenceProperties properties) {
        DataSize max = properties.getGrpc().getMaxMessageSize();
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

    /** Spring gRPC's Netty server, advertising larger HTTP/2 frames. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ServerBuilderCustomizer.class, NettyServerBuilder.class})
    static class SpringGrpcNettyServer {

        /**
         * Runs first: an application customizer that sets a channel type or factory of its own for that server replaces
         * this one's (its event loops then idle until the context closes); one that sets only event loops of its own
         * needs {@code max-frame-size: 16KB}, or {@link NettyFrameSize#configure} with its loops.
         */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        GrpcFrameSizeCustomizer<?> grpcInferenceFrameSizeCustomizer(PinnedInferenceProperties properties, Environment environment) {
            int bytes = Math.toIntExact(properties.getGrpc().getMaxFrameSize().toBytes());
            String address = environment.getProperty("spring.grpc.server.address", "");
            if (bytes != NettyFrameSize.HTTP2_DEFAULT_BYTES && address.startsWith("unix:")) {
                LOG.log(System.Logger.Level.INFO, "Spring gRPC''s server listens on a Unix domain socket ({0}): it keeps HTTP/2''s "
                        + "16KB frames, not pinned-memory.inference.grpc.max-frame-size ({1} bytes)", address, bytes);
                return new GrpcFrameSizeCustomizer<>(NettyFrameSize.HTTP2_DEFAULT_BYTES);
            }
            return new GrpcFrameSizeCustomizer<>(bytes);
        }
    }
}
