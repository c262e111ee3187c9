package dev.pinnedmemory.benchmarks.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceRequest;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.rest.InferenceRestController;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * A Spring MVC application on an embedded Tomcat on a random port with one model, {@code sum} (the sum of
 * its FP32 {@code INPUT}, answered as the FP32 {@code SUM}), served three ways, each answering the same
 * JSON ({@code {"model_name":"sum","outputs":[{"name":"SUM","datatype":"FP32","shape":[1],"data":[s]}]}}):
 * <ul>
 * <li>{@code /v2/models/sum/infer}: this project's {@link InferenceRestController}, tensors read straight
 *     into leases of a byte pool (16 MiB largest, size classes from 4 KiB, no clear-on-return);</li>
 * <li>{@code /peer/bytes/v2/models/sum/infer}: the code a user writes today, {@code @RequestBody byte[]}: the
 *     whole body on the heap, the JSON header parsed with Jackson databind, the binary part copied into a
 *     {@code float[]};</li>
 * <li>{@code /peer/databind/v2/models/sum/infer}: Jackson databind of a JSON request into a record whose
 *     data is a {@code float[]} (Spring's message converter).</li>
 * </ul>
 * Built without auto-configuration so it runs the same from the shaded benchmark jar. Owns its pool and
 * closes it with the context.
 */
final class InferenceBenchServer implements AutoCloseable {

    static final String OIP = "/v2/models/sum/infer";
    static final String PEER_BYTES = "/peer/bytes/v2/models/sum/infer";
    static final String PEER_DATABIND = "/peer/databind/v2/models/sum/infer";

    private final AnnotationConfigServletWebServerApplicationContext context;

    InferenceBenchServer(int maxTensorBytes) {
        context = new AnnotationConfigServletWebServerApplicationContext();
        context.registerBean("maxTensorBytes", Integer.class, () -> maxTensorBytes);
        context.register(Web.class);
        context.refresh();
    }

    int port() {
        return context.getWebServer().getPort();
    }

    @Override
    public void close() {
        context.close();
    }

    /** The model: the sum of the input, read from its pinned lease. */
    static final class SumModel implements InferenceModel {

        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        @Override
        public ModelMetadata metadata() {
            return new ModelMetadata("sum", List.of(), "java", List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                    List.of(new TensorMetadata("SUM", "FP32", List.of(1L))));
        }

        @Override
        public InferenceResponse infer(InferenceRequest request) {
            MemorySegment input = request.input("INPUT").data();
            float sum = 0;
            for (long offset = 0; offset < input.byteSize(); offset += 4) {
                sum += input.get(FLOAT, offset);
            }
            MemorySegment out = MemorySegment.ofArray(new byte[4]);
            out.set(FLOAT, 0, sum);
            return InferenceResponse.builder().output("SUM", "FP32", new long[] {1}, out).build();
        }
    }

    /** The peers' answer, the same JSON as the protocol's. */
    record Answer(String model_name, List<Output> outputs) {
        static Answer of(float sum) {
            return new Answer("sum", List.of(new Output("SUM", "FP32", new long[] {1}, new float[] {sum})));
        }
    }

    record Output(String name, String datatype, long[] shape, float[] data) {
    }

    /** A JSON request as databind reads it: inputs with their data as {@code float[]}. */
    record JsonRequest(List<JsonInput> inputs) {
    }

    record JsonInput(String name, long[] shape, String datatype, float[] data) {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @Import(PeerController.class)
    static class Web {

        @Bean
        static TomcatServletWebServerFactory tomcat() {
            TomcatServletWebServerFactory tomcat = new TomcatServletWebServerFactory(0);
            tomcat.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    http.setMaxKeepAliveRequests(-1);
                    http.setKeepAliveTimeout(600_000);
                }
            });
            return tomcat;
        }

        @Bean
        static DispatcherServlet dispatcherServlet() {
            return new DispatcherServlet();
        }

        @Bean(destroyMethod = "close")
        static PinnedMemoryPool<byte[]> tensors(Integer maxTensorBytes) {
            return PinnedMemoryPool.builder(ElementType.BYTE).name("tensors").bufferSize(maxTensorBytes)
                    .minBufferSize(Math.min(maxTensorBytes, 4096)).initialSize(0).maxSize(32).clearOnReturn(false).build();
        }

        @Bean
        static InferenceServer inferenceServer(PinnedMemoryPool<byte[]> tensors) {
            return InferenceServer.builder(tensors).model(new SumModel()).build();
        }

        @Bean
        static InferenceRestController inferenceRestController(InferenceServer server) {
            return new InferenceRestController(server);
        }
    }

    /** The peers: what a user writes without this project. */
    @RestController
    static class PeerController {

        private static final JsonMapper JSON = JsonMapper.builder().build();

        @PostMapping(PEER_BYTES)
        Answer bytes(@RequestHeader(value = "Inference-Header-Content-Length", required = false) Integer headerLength,
                     @RequestBody byte[] body) {
            int length = headerLength == null ? body.length : headerLength;
            JsonNode header = JSON.readTree(new java.io.ByteArrayInputStream(body, 0, length));
            int offset = length;
            float sum = 0;
            for (JsonNode input : header.path("inputs")) {
                int size = input.path("parameters").path("binary_data_size").asInt();
                float[] values = new float[size / 4];
                FloatBuffer floats = ByteBuffer.wrap(body, offset, size).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                floats.get(values);
                offset += size;
                for (float value : values) {
                    sum += value;
                }
            }
            return Answer.of(sum);
        }

        @PostMapping(PEER_DATABIND)
        Answer databind(@RequestBody JsonRequest request) {
            float sum = 0;
            for (float value : request.inputs().getFirst().data()) {
                sum += value;
            }
            return Answer.of(sum);
        }
    }
}
