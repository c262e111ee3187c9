package dev.pinnedmemory.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.inference.grpc.GrpcInferenceService;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole application with every auto-configuration on the class path: gRPC only (no web server), HTTP only
 * ({@code pinned-memory.inference.grpc.enabled=false}), or both, each on its own port.
 */
class InferenceTransportModesTests {

    @Test
    void grpcOnlyShouldServeTheModelsOnSpringGrpcsServerWithoutAWebServer() throws Exception {
        try (ConfigurableApplicationContext context = start(WebApplicationType.NONE)) {
            assertThat(context.getEnvironment().getProperty("local.server.port")).isNull();
            assertGrpcServes(context);
        }
    }

    @Test
    void httpOnlyShouldStartNoGrpcServer() throws Exception {
        try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET,
                "--pinned-memory.inference.grpc.enabled=false")) {
            assertThat(context.getBeanNamesForType(GrpcInferenceService.class)).isEmpty();
            assertThat(context.getBeanNamesForType(GrpcServerLifecycle.class)).isEmpty();
            assertHttpAnswers(context);
        }
    }

    @Test
    void bothShouldServeEachOnItsOwnPort() throws Exception {
        try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET)) {
            assertHttpAnswers(context);
            assertGrpcServes(context);
            assertThat(context.getBean(GrpcServerLifecycle.class).getPort())
                    .isNotEqualTo(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
        }
    }

    private static void assertGrpcServes(ConfigurableApplicationContext context) throws Exception {
        try (InferenceGrpcClient client = new InferenceGrpcClient(context.getBean(GrpcServerLifecycle.class).getPort())) {
            assertThat(client.serverLive()).isTrue();
            byte[] tensor = {0, 0, (byte) 0x80, 0x3F};   // 1.0f
            assertThat(client.infer("echo", tensor)).containsExactly(ByteString.copyFrom(tensor));
        }
    }

    private static void assertHttpAnswers(ConfigurableApplicationContext context) throws Exception {
        int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nothing-here"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(404);
        }
    }

    private static ConfigurableApplicationContext start(WebApplicationType type, String... arguments) {
        SpringApplication application = new SpringApplication(InferenceApplication.class);
        application.setWebApplicationType(type);
        application.setDefaultProperties(Map.of("pinned-memory.backend", "mlock", "pinned-memory.pools.tensors.buffer-size", "1MB",
                "pinned-memory.pools.tensors.min-buffer-size", "4KB", "server.port", "0", "server.address", "127.0.0.1",
                "spring.grpc.server.port", "0", "spring.grpc.server.address", "127.0.0.1", "spring.main.banner-mode", "off"));
        return application.run(arguments);
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(InferenceGrpcClient.EchoModel.class)
    static class InferenceApplication {
    }
}
