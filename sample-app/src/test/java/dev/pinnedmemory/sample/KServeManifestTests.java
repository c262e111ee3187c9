package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The KServe manifests of {@code docs/kserve/} parse as YAML and agree with the service: the runtime speaks
 * v2 on the sample's port, probes the protocol's health endpoints, and the InferenceService names that
 * runtime and its model format. (They have not run on a cluster: see docs/kserve/README.md.)
 */
class KServeManifestTests {

    private static final Path KSERVE = Path.of("..", "docs", "kserve");

    @Test
    void theServingRuntimeShouldRunTheSampleOnTheV2ProtocolWithItsHealthEndpointsAsProbes() throws IOException {
        Map<String, Object> runtime = load("servingruntime.yaml");
        assertThat(runtime).containsEntry("apiVersion", "serving.kserve.io/v1alpha1").containsEntry("kind", "ServingRuntime");
        Map<String, Object> spec = map(runtime, "spec");
        assertThat(spec.get("protocolVersions")).isEqualTo(List.of("v2"));
        Map<String, Object> container = list(spec, "containers").getFirst();
        assertThat(container).containsEntry("name", "kserve-container");
        assertThat(list(container, "ports").getFirst()).containsEntry("containerPort", 8080);
        assertThat(map(map(container, "readinessProbe"), "httpGet")).containsEntry("path", "/v2/health/ready");
        assertThat(map(map(container, "livenessProbe"), "httpGet")).containsEntry("path", "/v2/health/live");
        assertThat(list(spec, "supportedModelFormats").getFirst()).containsEntry("name", "pinned-memory-java");
    }

    @Test
    void theInferenceServiceShouldUseThatRuntimeAndFormat() throws IOException {
        Map<String, Object> service = load("inferenceservice.yaml");
        assertThat(service).containsEntry("apiVersion", "serving.kserve.io/v1beta1").containsEntry("kind", "InferenceService");
        Map<String, Object> model = map(map(map(service, "spec"), "predictor"), "model");
        assertThat(model).containsEntry("runtime", map(load("servingruntime.yaml"), "metadata").get("name"))
                .containsEntry("protocolVersion", "v2");
        assertThat(map(model, "modelFormat")).containsEntry("name", "pinned-memory-java");
    }

    private static Map<String, Object> load(String file) throws IOException {
        try (Reader reader = Files.newBufferedReader(KSERVE.resolve(file))) {
            return new Yaml().load(reader);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        return (List<Map<String, Object>>) parent.get(key);
    }
}
