package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Python's grpcio, with stubs that protoc generates from the protocol's proto at test time, drives the
 * service over Netty: every method, FP32/INT64/BYTES raw inputs, typed contents, refusals
 * ({@code src/test/python/grpc_client_check.py}). Needs Debian's {@code python3-grpcio},
 * {@code python3-protobuf}, {@code protobuf-compiler} and {@code protobuf-compiler-grpc}: {@code .ci/run}
 * installs them, and under CI ({@code CI=true}) their absence fails this test instead of skipping it.
 */
class PythonGrpcClientTests {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int LARGEST = 256 * 1024;
    private static final List<String> CHECKS = List.of("server_live", "server_ready", "server_metadata", "model_ready",
            "model_metadata", "infer_fp32_raw", "infer_fp32_raw_largest", "infer_int64_raw", "infer_bytes_raw",
            "infer_fp32_typed", "infer_int64_typed", "infer_bytes_typed", "error_not_found", "error_invalid_size",
            "error_invalid_datatype", "error_too_large", "error_model_failed", "error_typed_contents",
            "error_metadata_not_found");

    @Test
    void pythonsGrpcioShouldDriveEveryMethodDatatypeAndRefusal(@TempDir Path stubs) throws Exception {
        String python = require(findPython(), "a python3 that can 'import grpc' (apt-get install python3-grpcio python3-protobuf)");
        String protoc = require(onPath("protoc"), "protoc (apt-get install protobuf-compiler)");
        String plugin = require(onPath("grpc_python_plugin"), "grpc_python_plugin (apt-get install protobuf-compiler-grpc)");

        Result generated = run(List.of(protoc, "-I", "src/main/proto", "--python_out=" + stubs, "--grpc_out=" + stubs,
                "--plugin=protoc-gen-grpc=" + plugin, "grpc_predict_v2.proto"), 60);
        assertThat(generated.exit()).as("protoc: %s", generated.output()).isZero();

        PinnedMemoryPool<byte[]> pool = TestPools.tensors(LARGEST);
        try (GrpcFixtures.Served served = new GrpcFixtures.Served(pool, new InferenceLimits(4, 64 * 1024), List.of(
                GrpcFixtures.scale(pool), GrpcFixtures.echo("INT64"), GrpcFixtures.echo("BYTES"), GrpcFixtures.failing()))) {
            Result checked = run(List.of(python, "src/test/python/grpc_client_check.py", stubs.toString(),
                    "127.0.0.1:" + served.port(), String.valueOf(LARGEST)), 180);

            assertThat(checked.exit()).as("the Python client said:%n%s", checked.output()).isZero();
            for (String check : CHECKS) {
                assertThat(checked.output()).as("the Python client said:%n%s", checked.output()).contains("ok " + check + "\n");
            }
            assertThat(checked.output()).contains("all checks passed");
        }
        await().untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        TestPools.assertBalanced(pool);
        pool.close();
    }

    /**
     * Triton's system shared memory extension through grpcio, with stubs generated from Triton's message definitions
     * ({@code src/test/triton/grpc_service.proto}): register, {@code ModelInfer} with the inputs and the output in the
     * region, status, refusals, unregister ({@code src/test/python/shm_grpc_client.py}).
     */
    @Test
    void pythonsGrpcioShouldUseSharedMemoryThroughTritonsMessages(@TempDir Path stubs) throws Exception {
        String python = require(findPython(), "a python3 that can 'import grpc' (apt-get install python3-grpcio python3-protobuf)");
        String protoc = require(onPath("protoc"), "protoc (apt-get install protobuf-compiler)");
        String plugin = require(onPath("grpc_python_plugin"), "grpc_python_plugin (apt-get install protobuf-compiler-grpc)");
        Result generated = run(List.of(protoc, "-I", "src/test/triton", "--python_out=" + stubs, "--grpc_out=" + stubs,
                "--plugin=protoc-gen-grpc=" + plugin, "grpc_service.proto"), 60);
        assertThat(generated.exit()).as("protoc: %s", generated.output()).isZero();

        PinnedMemoryPool<byte[]> pool = TestPools.tensors(4096);
        SharedMemoryRegistry registry = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(), SharedMemoryLimits.DEFAULTS);
        TestModels.Scripted add = new TestModels.Scripted(new ModelMetadata("add", List.of(), "java",
                List.of(new TensorMetadata("INPUT0", "INT32", List.of(-1L)), new TensorMetadata("INPUT1", "INT32", List.of(-1L))),
                List.of(new TensorMetadata("SUM", "INT32", List.of(-1L)))),
                request -> {
                    MemorySegment a = request.input("INPUT0").data();
                    MemorySegment b = request.input("INPUT1").data();
                    MemorySegment sum = request.outputMemory("SUM").asSlice(0, a.byteSize());
                    for (long i = 0; i < a.byteSize(); i += 4) {
                        sum.set(INT, i, a.get(INT, i) + b.get(INT, i));
                    }
                    return InferenceResponse.builder().output("SUM", "INT32", request.input("INPUT0").shape(), sum).build();
                });
        InferenceServer inference = InferenceServer.builder(pool).model(add).sharedMemory(registry).build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GrpcInferenceService(inference)).build().start();
        try {
            Result checked = run(List.of(python, "src/test/python/shm_grpc_client.py", stubs.toString(),
                    "127.0.0.1:" + server.getPort()), 180);
            assertThat(checked.exit()).as("the Python client said:%n%s", checked.output()).isZero();
            assertThat(checked.output()).contains("ok register\n", "ok infer\n", "ok refusals\n", "ok unregister\n",
                    "all checks passed");
            assertThat(registry.heldBytes()).isZero();
            assertThat(registry.copiedBytes()).isZero();
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            registry.close();
        }
        assertThat(pool.stats().rents()).isZero();
        pool.close();
    }

    /** {@return the tool}, or skips the test where it is missing, unless under CI, where that fails it */
    private static String require(Optional<String> tool, String what) {
        if (tool.isEmpty()) {
            String message = "the Python gRPC client test needs " + what;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + ": CI (.ci/run) installs it, so its absence is a failure there");
            }
            Assumptions.abort(message);
        }
        return tool.get();
    }

    private static Optional<String> findPython() throws Exception {
        // Debian's grpcio is in the system python; a python3 earlier on the PATH (pyenv) may lack it.
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                if (run(List.of(candidate, "-c", "import grpc, google.protobuf"), 60).exit() == 0) {
                    return Optional.of(candidate);
                }
            } catch (IOException notThere) {
                // try the next
            }
        }
        return Optional.empty();
    }

    private static Optional<String> onPath(String tool) {
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(directory, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " ran longer than " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
