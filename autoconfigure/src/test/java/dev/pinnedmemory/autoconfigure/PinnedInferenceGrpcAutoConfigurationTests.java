package dev.pinnedmemory.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import io.grpc.ForwardingServerBuilder;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedInferenceGrpcAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class, PinnedInferenceAutoConfiguration.class, PinnedInferenceGrpcAutoConfiguration.class,
                    SslAutoConfiguration.class, GrpcServerFactoryAutoConfiguration.class, GrpcServerAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.tensors.buffer-size=8MB",
                    "pinned-memory.pools.tensors.min-buffer-size=4KB", "pinned-memory.pools.tensors.clear-on-return=false",
                    "spring.grpc.server.port=0", "spring.grpc.server.address=127.0.0.1");

    @Test
    void runWithAModelShouldServeItOnSpringGrpcsServerAboveItsDefaultMessageSize() {
        this.runner.withUserConfiguration(Models.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(GrpcInferenceService.class).hasSingleBean(InferenceServer.class);
            GrpcInferenceService service = context.getBean(GrpcInferenceService.class);
            assertThat(service.server().pool()).isSameAs(context.getBean("tensorsPinnedMemoryPool"));
            // 8 MiB x 64 inputs + 64 MiB of names and parameters, the default limits.
            assertThat(service.maxMessageBytes()).isEqualTo((8L << 20) * 64 + (64L << 20));
            int port = context.getBean(GrpcServerLifecycle.class).getPort();
            try (InferenceGrpcClient client = new InferenceGrpcClient(port)) {
                assertThat(client.serverLive()).isTrue();
                // 5 MiB: more than Spring gRPC's default max-inbound-message-size of 4 MB, raised for the service.
                byte[] tensor = new byte[5 << 20];
                tensor[tensor.length - 1] = 42;
                List<ByteString> outputs = client.infer("echo", tensor);
                assertThat(outputs).singleElement().isEqualTo(ByteString.copyFrom(tensor));
            }
            PinnedMemoryPool<?> pool = service.server().pool();
            assertThat(pool.stats().rents()).isEqualTo(1);
            assertThat(pool.stats().inUse()).isZero();
        });
    }

    @Test
    void runWithMaxMessageSizeShouldRefuseLargerRequestsNamingTheProperty() {
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-message-size=1MB")
                .run(context -> {
                    assertThat(context.getBean(GrpcInferenceService.class).maxMessageBytes()).isEqualTo(1 << 20);
                    int port = context.getBean(GrpcServerLifecycle.class).getPort();
                    try (InferenceGrpcClient client = new InferenceGrpcClient(port)) {
                        assertThatThrownBy(() -> client.infer("echo", new byte[2 << 20]))
                                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                                    assertThat(e.getStatus().getDescription()).contains("larger than this server takes: "
                                            + (1 << 20) + " bytes (pinned-memory.inference.grpc.max-message-size)");
                                });
                    }
                });
    }

    @Test
    void runWithAnInvalidMaxMessageSizeShouldFailNamingTheValueAndTheLimit() {
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-message-size=3GB")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("'pinned-memory.inference.grpc.max-message-size' must be from 1B to 2147483647B (gRPC's largest message) but was 3221225472B"));
    }

    @Test
    void runShouldMakeSpringGrpcsServerAdvertiseOneMegabyteFramesUnlessToldOtherwise() {
        this.runner.withUserConfiguration(Models.class).run(context -> {
            int port = context.getBean(GrpcServerLifecycle.class).getPort();
            assertThat(Http2SettingsProbe.settings(port)).containsEntry(Http2SettingsProbe.MAX_FRAME_SIZE, 1L << 20);
        });
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-frame-size=4MB")
                .run(context -> assertThat(Http2SettingsProbe.settings(context.getBean(GrpcServerLifecycle.class).getPort()))
                        .containsEntry(Http2SettingsProbe.MAX_FRAME_SIZE, 4L << 20));
        // HTTP/2's default: nothing to advertise, the server is left as Spring gRPC made it.
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-frame-size=16KB")
                .run(context -> assertThat(Http2SettingsProbe.settings(context.getBean(GrpcServerLifecycle.class).getPort()))
                        .doesNotContainKey(Http2SettingsProbe.MAX_FRAME_SIZE));
    }

    @Test
    void theFrameSizeCustomizerShouldOwnItsEventLoopsUntilTheContextCloses() {
        AtomicReference<EventLoopGroup> workers = new AtomicReference<>();
        this.runner.withUserConfiguration(Models.class).run(context -> {
            GrpcFrameSizeCustomizer<?> customizer = context.getBean(GrpcFrameSizeCustomizer.class);
            workers.set(customizer.workers());
            assertThat(workers.get()).as("the event loops it made for Spring gRPC's server").isNotNull();
            assertThat(workers.get().isShuttingDown()).isFalse();
            // The transport grpc-netty picks by itself: epoll where Netty's native epoll loads (Spring gRPC brings it on Linux).
            assertThat(((IoEventLoopGroup) workers.get()).isIoType(Epoll.isAvailable() ? EpollIoHandler.class : NioIoHandler.class))
                    .isTrue();
        });
        assertThat(workers.get().isTerminated()).as("its event loops, after the context closed").isTrue();
        // 16KB: Spring gRPC's server as it made it, on grpc-java's own event loops.
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-frame-size=16KB")
                .run(context -> assertThat(context.getBean(GrpcFrameSizeCustomizer.class).workers()).isNull());
    }

    @Test
    void runOnAUnixDomainSocketShouldLeaveTheServerAsSpringGrpcMadeIt(@TempDir Path directory) {
        this.runner.withUserConfiguration(Models.class)
                .withPropertyValues("spring.grpc.server.address=unix:" + directory.resolve("inference.sock"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(GrpcFrameSizeCustomizer.class).workers()).isNull();
                });
    }

    @Test
    void theFrameSizeCustomizerShouldLeaveOtherServersAlone() {
        // Any builder but grpc-netty's (in-process, shaded Netty, a servlet's): one that refuses every call.
        GrpcFrameSizeCustomizer<OtherServer> customizer = new GrpcFrameSizeCustomizer<>(1 << 20);
        customizer.customize(new OtherServer());
        assertThat(customizer.workers()).as("event loops made for another kind of server").isNull();
    }

    /** A server builder that is not grpc-netty's, and that no call may reach. */
    private static final class OtherServer extends ForwardingServerBuilder<OtherServer> {
        @Override
        protected ServerBuilder<?> delegate() {
            throw new UnsupportedOperationException("the customizer called the builder");
        }
    }

    @Test
    void runWithAMaxFrameSizeOutsideHttp2sRangeShouldFailNamingTheValueAndTheRange() {
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-frame-size=8KB")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("'pinned-memory.inference.grpc.max-frame-size' must be from 16384B (16KB, HTTP/2's "
                                + "default) to 16777215B (HTTP/2's largest frame) but was 8192B"));
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.max-frame-size=16MB")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("but was 16777216B"));
    }

    @Test
    void runWithGrpcDisabledShouldServeNothingOverGrpc() {
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.grpc.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(GrpcInferenceService.class)
                        .doesNotHaveBean(GrpcServerLifecycle.class));
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(GrpcInferenceService.class));
    }

    @Test
    void runWithoutModelsShouldServeNothing() {
        this.runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(GrpcInferenceService.class)
                .doesNotHaveBean(InferenceServer.class).doesNotHaveBean(GrpcServerLifecycle.class));
    }

    @Test
    void runWithoutSpringGrpcShouldOfferTheServiceForAServerOfTheApplicationsOwn() {
        this.runner.withUserConfiguration(Models.class).withClassLoader(new FilteredClassLoader("org.springframework.grpc"))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(GrpcInferenceService.class)
                        .doesNotHaveBean("grpcInferenceMessageSizeCustomizer"));
    }

    @Test
    void runWithAnInferenceServerOfTheApplicationsOwnShouldServeThatOne() {
        this.runner.withUserConfiguration(Models.class, OwnServer.class).run(context -> {
            assertThat(context).hasSingleBean(InferenceServer.class);
            assertThat(context.getBean(GrpcInferenceService.class).server()).isSameAs(context.getBean("ownInferenceServer"));
        });
    }

    @Test
    void runShouldTakeTheNamedPoolOrRefuseToGuess() {
        this.runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.pools.batch.buffer-size=64KB",
                        "pinned-memory.inference.pool=batch")
                .run(context -> assertThat(context.getBean(InferenceServer.class).pool().name()).isEqualTo("batch"));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class, PinnedInferenceAutoConfiguration.class, PinnedInferenceGrpcAutoConfiguration.class))
                .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.a.buffer-size=64KB",
                        "pinned-memory.pools.b.buffer-size=64KB")
                .withUserConfiguration(Models.class)
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining(
                        "must name the byte pool for input tensors when there is no pool 'tensors' and not exactly one byte pool"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Models {

        @Bean
        InferenceGrpcClient.EchoModel echoModel() {
            return new InferenceGrpcClient.EchoModel();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnServer {

        @Bean
        InferenceServer ownInferenceServer(dev.pinnedmemory.PinnedMemoryPools pools, InferenceGrpcClient.EchoModel model) {
            return InferenceServer.builder(pools.get("tensors", dev.pinnedmemory.ElementType.BYTE)).model(model).build();
        }
    }
}
