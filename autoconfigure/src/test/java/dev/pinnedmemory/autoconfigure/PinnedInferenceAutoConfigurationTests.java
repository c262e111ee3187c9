package dev.pinnedmemory.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.inference.DeclaredInput;
import dev.pinnedmemory.inference.InferenceCall;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceRequest;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TensorSources;
import dev.pinnedmemory.inference.actuate.InferenceEndpoint;
import dev.pinnedmemory.inference.actuate.InferenceHealthIndicator;
import dev.pinnedmemory.inference.metrics.InferenceMeters;
import dev.pinnedmemory.inference.metrics.SharedMemoryMeters;
import dev.pinnedmemory.inference.rest.InferenceRestController;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedInferenceAutoConfigurationTests {

    private static final AutoConfigurations ALL = AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
            PinnedInferenceAutoConfiguration.class, PinnedInferenceMetricsAutoConfiguration.class,
            PinnedInferenceWebMvcAutoConfiguration.class, PinnedInferenceEndpointAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(ALL)
            .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.tensors.buffer-size=64KB",
                    "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB");

    @Test
    void runWithAModelShouldServeItWithInputsFromTheTensorsPool() {
        runner.withUserConfiguration(Models.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InferenceServer.class);
            InferenceServer server = context.getBean(InferenceServer.class);
            assertThat(server.pool().name()).isEqualTo("tensors");
            assertThat(server.models()).extracting(ModelMetadata::name).containsExactly("double");
            assertThat(server.limits().maxInputs()).isEqualTo(64);
            assertThat(server.limits().maxHeaderBytes()).isEqualTo(64L << 20);
            assertThat(context).doesNotHaveBean(InferenceRestController.class);
        });
    }

    @Test
    void runWithoutModelsShouldRegisterNoServer() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InferenceServer.class)
                .doesNotHaveBean(InferenceMeters.class));
    }

    @Test
    void runWithoutTheInferenceModuleShouldStartWithoutIt() {
        runner.withUserConfiguration(Models.class).withClassLoader(new FilteredClassLoader(InferenceServer.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InferenceServer.class));
    }

    @Test
    void runWithInferenceDisabledShouldRegisterNoServer() {
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(InferenceServer.class));
    }

    @Test
    void runWithTheOnlyBytePoolShouldTakeItAndTheConfiguredLimits() {
        new ApplicationContextRunner().withConfiguration(ALL).withUserConfiguration(Models.class)
                .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.batches.buffer-size=64KB",
                        "pinned-memory.inference.max-inputs=3", "pinned-memory.inference.max-header-size=1KB")
                .run(context -> {
                    InferenceServer server = context.getBean(InferenceServer.class);
                    assertThat(server.pool().name()).isEqualTo("batches");
                    assertThat(server.limits().maxInputs()).isEqualTo(3);
                    assertThat(server.limits().maxHeaderBytes()).isEqualTo(1024);
                });
    }

    @Test
    void runWithAPoolOfAnotherTypeShouldFailNamingThePropertyAndTheFix() {
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.pool=frames").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidPinnedMemoryPropertyException.class)
                    .hasMessage("'pinned-memory.inference.pool' must name a byte pool but was 'frames' (a pool of FLOAT elements)");
        });
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.pool=nope").run(context ->
                assertThat(context.getStartupFailure()).rootCause()
                        .hasMessage("'pinned-memory.inference.pool' must name a configured pool but was 'nope'"));
    }

    @Test
    void runWithSeveralBytePoolsAndNoneNamedTensorsShouldFailAskingForTheProperty() {
        new ApplicationContextRunner().withConfiguration(ALL).withUserConfiguration(Models.class)
                .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.a.buffer-size=64KB",
                        "pinned-memory.pools.b.buffer-size=64KB")
                .run(context -> {
                    assertThat(context).hasFailed();
                    InvalidPinnedMemoryPropertyException failure = (InvalidPinnedMemoryPropertyException)
                            org.assertj.core.util.Throwables.getRootCause(context.getStartupFailure());
                    assertThat(failure.property()).isEqualTo("pinned-memory.inference.pool");
                    assertThat(failure.value()).isEqualTo("unset (byte pools: [a, b])");
                    assertThat(failure.action()).contains("Configure pinned-memory.pools.tensors");
                });
    }

    @Test
    void runWithAnInvalidLimitShouldFailNamingItsRule() {
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.max-inputs=0")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new PinnedMemoryFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                            .contains("'pinned-memory.inference.max-inputs' must be at least 1 but was 0");
                });
    }

    @Test
    void runWithMicrometerShouldMeterEveryRequestByModel() {
        runner.withUserConfiguration(Models.class, Registry.class).run(context -> {
            assertThat(context).hasSingleBean(InferenceMeters.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(InferenceMeters.class).bindTo(registry);   // what Boot's metrics support does with every MeterBinder
            InferenceServer server = context.getBean(InferenceServer.class);
            try (InferenceCall call = server.open("double", null)) {
                DeclaredInput input = call.declareInput("X", "FP32", new long[] {1}, Map.of(), 4);
                call.receive(input, TensorSources.of(MemorySegment.ofArray(new float[] {2f})));
                call.infer();
            }
            assertThat(registry.get(InferenceMeters.REQUESTS).tags("model", "double", "outcome", "success").timer().count())
                    .isOne();
        });
    }

    @Test
    void runInAServletApplicationShouldServeTheRestEndpointsUnlessSwitchedOff() {
        WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(ALL)
                .withUserConfiguration(Models.class)
                .withPropertyValues("pinned-memory.backend=mlock", "pinned-memory.pools.tensors.buffer-size=64KB");
        web.run(context -> assertThat(context).hasSingleBean(InferenceRestController.class));
        web.withPropertyValues("pinned-memory.inference.rest.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(InferenceServer.class)
                        .doesNotHaveBean(InferenceRestController.class));
    }

    @Test
    void runWithActuatorShouldOfferTheEndpointAndTheHealthContributor() {
        runner.withUserConfiguration(Models.class)
                .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=inference")
                .run(context -> {
                    assertThat(context).hasSingleBean(InferenceEndpoint.class).hasBean("inferenceHealthIndicator");
                    assertThat(context.getBean(InferenceEndpoint.class).inference().models()).containsOnlyKeys("double");
                });
        runner.withUserConfiguration(Models.class).withPropertyValues("management.health.inference.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(InferenceHealthIndicator.class));
    }

    @Test
    void runByDefaultShouldSwitchTheSharedMemoryExtensionOff() {
        runner.withUserConfiguration(Models.class).run(context -> {
            SharedMemoryRegistry regions = context.getBean(SharedMemoryRegistry.class);
            assertThat(regions.isEnabled()).isFalse();
            assertThat(context.getBean(InferenceServer.class).sharedMemory()).isSameAs(regions);
            assertThat(context.getBean(InferenceServer.class).metadata().extensions()).containsExactly("binary_tensor_data");
        });
    }

    @Test
    void runWithSharedMemoryEnabledShouldLockRegionsWithThePoolsBackendCountThemOnItsBudgetAndUnregisterThemAtStop()
            throws IOException {
        Path object = Path.of("/dev/shm", "pinned-memory-autoconfigure-" + ProcessHandle.current().pid());
        Files.write(object, new byte[64 * 1024]);
        try {
            SharedMemoryRegistry[] seen = new SharedMemoryRegistry[1];
            runner.withUserConfiguration(Models.class, Registry.class)
                    .withPropertyValues("pinned-memory.max-total-size=1MB", "pinned-memory.inference.shared-memory.enabled=true",
                            "pinned-memory.inference.shared-memory.max-regions=2",
                            "pinned-memory.inference.shared-memory.max-total-size=64KB",
                            "pinned-memory.inference.shared-memory.unregister-timeout=5s")
                    .run(context -> {
                        SharedMemoryRegistry regions = context.getBean(SharedMemoryRegistry.class);
                        seen[0] = regions;
                        assertThat(regions.isEnabled()).isTrue();
                        assertThat(regions.backendName()).isEqualTo("mlock");
                        assertThat(regions.limits()).isEqualTo(new SharedMemoryLimits(2, 64 * 1024, Duration.ofSeconds(5)));
                        assertThat(context.getBean(InferenceServer.class).metadata().extensions())
                                .containsExactly("binary_tensor_data", "system_shared_memory");
                        InferenceServer server = context.getBean(InferenceServer.class);
                        long used = server.pool().budget().usedBytes();

                        regions.register("input0", "/" + object.getFileName(), 0, 32 * 1024);

                        assertThat(server.pool().budget().usedBytes() - used).as("counted on the pools' budget").isEqualTo(32 * 1024);
                        MeterRegistry meters = context.getBean(MeterRegistry.class);
                        context.getBean(SharedMemoryMeters.class).bindTo(meters);
                        assertThat(meters.get(SharedMemoryMeters.BYTES).gauge().value()).isEqualTo(32 * 1024);
                        assertThat(meters.get(SharedMemoryMeters.REGISTRATIONS).tag("result", "registered").functionCounter()
                                .count()).isOne();
                    });
            assertThat(seen[0].heldRegionCount()).as("unregistered when the context closed").isZero();
        } finally {
            Files.deleteIfExists(object);
        }
    }

    @Test
    void runWithAnInvalidSharedMemoryLimitShouldFailNamingItsRule() {
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.shared-memory.max-regions=0")
                .run(context -> assertThat(new PinnedMemoryFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                        .contains("'pinned-memory.inference.shared-memory.max-regions' must be at least 1 but was 0"));
        runner.withUserConfiguration(Models.class).withPropertyValues("pinned-memory.inference.shared-memory.unregister-timeout=-1s")
                .run(context -> assertThat(new PinnedMemoryFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                        .contains("'pinned-memory.inference.shared-memory.unregister-timeout' must be 0 or more but was PT-1S"));
    }

    @Test
    void theConfigurationMetadataShouldDescribeEveryInferenceProperty() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String property : List.of("pinned-memory.inference.enabled", "pinned-memory.inference.pool",
                    "pinned-memory.inference.max-inputs", "pinned-memory.inference.max-header-size",
                    "pinned-memory.inference.rest.enabled", "pinned-memory.inference.shared-memory.enabled",
                    "pinned-memory.inference.shared-memory.max-regions", "pinned-memory.inference.shared-memory.max-total-size",
                    "pinned-memory.inference.shared-memory.unregister-timeout")) {
                assertThat(metadata).as(property).contains("\"name\": \"" + property + "\"");
            }
            assertThat(metadata).contains("Most inputs one request may declare.").contains("\"defaultValue\": \"64MB\"")
                    .contains("Whether clients on this machine may register system shared memory regions");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Models {

        @Bean
        InferenceModel doubler() {
            return new InferenceModel() {
                @Override
                public ModelMetadata metadata() {
                    return new ModelMetadata("double", List.of(), "java", List.of(new TensorMetadata("X", "FP32", List.of(-1L))),
                            List.of(new TensorMetadata("Y", "FP32", List.of(-1L))));
                }

                @Override
                public InferenceResponse infer(InferenceRequest request) {
                    return InferenceResponse.builder().output("Y", "FP32", request.input("X").shape(), request.input("X").data())
                            .build();
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
