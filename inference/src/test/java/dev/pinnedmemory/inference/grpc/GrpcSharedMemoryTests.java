package dev.pinnedmemory.inference.grpc;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryLimits;
import dev.pinnedmemory.inference.SharedMemoryObjects;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import triton.inference.GRPCInferenceServiceGrpc;
import triton.inference.TritonGrpcService.InferParameter;
import triton.inference.TritonGrpcService.ModelInferRequest;
import triton.inference.TritonGrpcService.ModelInferResponse;
import triton.inference.TritonGrpcService.ServerMetadataRequest;
import triton.inference.TritonGrpcService.SystemSharedMemoryRegisterRequest;
import triton.inference.TritonGrpcService.SystemSharedMemoryStatusRequest;
import triton.inference.TritonGrpcService.SystemSharedMemoryStatusResponse;
import triton.inference.TritonGrpcService.SystemSharedMemoryUnregisterRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Triton's system shared memory extension over gRPC, driven by grpc-java's stubs generated from Triton's own message
 * definitions ({@code src/test/triton/grpc_service.proto}): what a Triton user's client sends. Register, status and
 * unregister; {@code ModelInfer} with inputs and outputs in regions (and mixed with {@code raw_input_contents});
 * every refusal with its status.
 */
class GrpcSharedMemoryTests {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SharedMemoryObjects objects = new SharedMemoryObjects();
    private PinnedMemoryPool<byte[]> pool;
    private SharedMemoryRegistry registry;
    private Server server;
    private ManagedChannel channel;
    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    private void serve(SharedMemoryRegistry regions) throws IOException {
        pool = TestPools.tensors(64 * 1024);
        registry = regions;
        TestModels.Scripted add = new TestModels.Scripted(new ModelMetadata("add", List.of(), "java",
                List.of(new TensorMetadata("INPUT0", "INT32", List.of(-1L)), new TensorMetadata("INPUT1", "INT32", List.of(-1L))),
                List.of(new TensorMetadata("SUM", "INT32", List.of(-1L)))),
                request -> {
                    MemorySegment a = request.input("INPUT0").data();
                    MemorySegment b = request.input("INPUT1").data();
                    MemorySegment target = request.outputMemory("SUM");
                    MemorySegment sum = target != null ? target.asSlice(0, a.byteSize()) : MemorySegment.ofArray(new byte[(int) a.byteSize()]);
                    for (long i = 0; i < a.byteSize(); i += 4) {
                        sum.set(INT, i, a.get(INT, i) + b.get(INT, i));
                    }
                    return InferenceResponse.builder().output("SUM", "INT32", request.input("INPUT0").shape(), sum).build();
                });
        InferenceServer inference = InferenceServer.builder(pool).model(add).sharedMemory(registry).build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GrpcInferenceService(inference)).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    private void serveEnabled() throws IOException {
        serve(SharedMemoryRegistry.create(TestPools.MLOCK, dev.pinnedmemory.MemoryBudget.unlimited(),
                new SharedMemoryLimits(2, 1 << 20, java.time.Duration.ofSeconds(30))));
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.awaitTermination(10, TimeUnit.SECONDS);
        registry.close();
        assertThat(registry.heldBytes()).isZero();
        TestPools.assertBalanced(pool);
        pool.close();
        objects.close();
    }

    @Test
    void registerStatusAndUnregisterShouldSpeakTritonsMessages() throws IOException {
        serveEnabled();
        String key = objects.create("grpc", 8192);
        long locked = SharedMemoryObjects.lockedKb();

        assertThat(stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("input_data")
                .setKey(key).setOffset(4096).setByteSize(4096).build()).getSerializedSize()).isZero();

        assertThat(SharedMemoryObjects.lockedKb() - locked).isEqualTo(4);
        SystemSharedMemoryStatusResponse all = stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance());
        assertThat(all.getRegionsMap()).containsOnlyKeys("input_data");
        assertThat(all.getRegionsMap().get("input_data")).isEqualTo(SystemSharedMemoryStatusResponse.RegionStatus.newBuilder()
                .setName("input_data").setKey(key).setOffset(4096).setByteSize(4096).build());
        assertThat(stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.newBuilder().setName("input_data").build()))
                .isEqualTo(all);
        assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
                .containsExactly("binary_tensor_data", "system_shared_memory");

        stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.newBuilder().setName("input_data").build());
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("a").setKey(key).setByteSize(4096).build());
        stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("b").setKey(key).setOffset(4096)
                .setByteSize(4096).build());
        stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance());   // empty name: all
        assertThat(stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance()).getRegionsMap()).isEmpty();
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
    }

    @Test
    void modelInferShouldReadInputsFromRegionsAndWriteOutputsIntoThemBesideRawContents() throws IOException {
        serveEnabled();
        String key = objects.create("infer", 4096);
        MemorySegment client = objects.map(key);
        for (int i = 0; i < 16; i++) {
            client.set(INT, i * 4L, i);
            client.set(INT, 64 + i * 4L, 100);
        }
        stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("io").setKey(key).setByteSize(4096).build());

        ModelInferResponse inRegions = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add").setId("1")
                .addInputs(input("INPUT0", region("io", 0, 64)))
                .addInputs(input("INPUT1", region("io", 64, 64)))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("SUM")
                        .putAllParameters(region("io", 1024, 64)))
                .build());

        assertThat(inRegions.getOutputs(0).getParametersMap()).containsExactlyInAnyOrderEntriesOf(region("io", 1024, 64));
        assertThat(inRegions.getOutputs(0).getShapeList()).containsExactly(16L);
        assertThat(inRegions.getRawOutputContentsList()).as("its place kept, empty, as Triton answers").containsExactly(ByteString.EMPTY);
        assertThat(client.get(INT, 1024 + 15 * 4)).isEqualTo(115);

        // Triton's C++ client sends sizes as int64, others as uint64; the shared memory input first, raw contents for the other.
        ModelInferResponse mixed = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add")
                .addInputs(input("INPUT0", java.util.Map.of("shared_memory_region", string("io"), "shared_memory_byte_size",
                        InferParameter.newBuilder().setUint64Param(64).build())))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT1").setDatatype("INT32").addShape(16))
                .addRawInputContents(ints(16, 1000))
                .build());
        assertThat(mixed.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt(15 * 4)).isEqualTo(15 + 1015);
        assertThat(pool.stats().rents()).as("only the raw input was rented").isEqualTo(1);
        assertThat(registry.copiedBytes()).isZero();
    }

    @Test
    void refusalsShouldCarryTheirStatusAndNameRegionOffsetAndSize() throws IOException {
        serveEnabled();
        String key = objects.create("refusals", 4096);
        assertStatus(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("r")
                .setKey("/../etc/passwd").setByteSize(8).build()), Status.Code.INVALID_ARGUMENT, "key '/../etc/passwd' has a '/' after its first");
        assertStatus(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("r")
                .setKey(key).setOffset(-1L).setByteSize(8).build()), Status.Code.INVALID_ARGUMENT,
                "shared memory region 'r': offset 18446744073709551615 is larger than the largest offset or size, 9223372036854775807");
        assertStatus(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("r")
                .setKey(key).setByteSize(8192).build()), Status.Code.INVALID_ARGUMENT, "offset 0 + byte_size 8192 = 8192 bytes, past the end");
        assertStatus(() -> stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.newBuilder().setName("none").build()),
                Status.Code.INVALID_ARGUMENT, "no shared memory region 'none' is registered");
        stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("r").setKey(key).setByteSize(64).build());
        stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("s").setKey(key).setByteSize(64).build());
        assertStatus(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("t")
                .setKey(key).setByteSize(64).build()), Status.Code.RESOURCE_EXHAUSTED, "the limit (pinned-memory.inference.shared-memory.max-regions) is 2");
        assertStatus(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add")
                        .addInputs(input("INPUT0", region("r", 0, 64))).addInputs(input("INPUT1", region("r", 32, 64))).build()),
                Status.Code.INVALID_ARGUMENT, "input 'INPUT1' (INT32, shape [16]): shared_memory_offset 32 + shared_memory_byte_size 64 "
                        + "lie outside shared memory region 'r' of 64 bytes");
        assertStatus(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add")
                        .addInputs(input("INPUT0", region("r", 0, 64))).addInputs(input("INPUT1", region("s", 0, 64)))
                        .addRawInputContents(ints(16, 1)).build()),
                Status.Code.INVALID_ARGUMENT, "ModelInferRequest: 1 raw_input_contents for 0 inputs not in shared memory");
        assertStatus(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add")
                        .addInputs(input("INPUT0", region("r", 0, 64)).toBuilder().setContents(
                                triton.inference.TritonGrpcService.InferTensorContents.newBuilder().addIntContents(1)))
                        .addInputs(input("INPUT1", region("s", 0, 64))).build()),
                Status.Code.INVALID_ARGUMENT, "input 'INPUT0': has contents and shared memory parameters (expected: one or the other)");
        assertThat(registry.status(null)).allSatisfy(region -> assertThat(region.activeRequests()).isZero());
    }

    @Test
    void whenTheExtensionIsOffEveryRpcShouldBeDeniedAndTheMetadataNotListIt() throws IOException {
        serve(SharedMemoryRegistry.disabled());
        String off = "system shared memory is switched off (pinned-memory.inference.shared-memory.enabled)";
        assertStatus(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder().setName("r")
                .setKey("/k").setOffset(-1L).setByteSize(8).build()), Status.Code.PERMISSION_DENIED, off);
        assertStatus(() -> stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, off);
        assertStatus(() -> stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, off);
        assertStatus(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("add")
                .addInputs(input("INPUT0", region("r", 0, 64))).build()), Status.Code.PERMISSION_DENIED, off);
        assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
                .containsExactly("binary_tensor_data");
    }

    private static ModelInferRequest.InferInputTensor input(String name, java.util.Map<String, InferParameter> parameters) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype("INT32").addShape(16)
                .putAllParameters(parameters).build();
    }

    /** The parameters Triton's Python client sets for a tensor in shared memory (int64 sizes). */
    private static java.util.Map<String, InferParameter> region(String name, long offset, long byteSize) {
        return java.util.Map.of("shared_memory_region", string(name),
                "shared_memory_offset", InferParameter.newBuilder().setInt64Param(offset).build(),
                "shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(byteSize).build());
    }

    private static InferParameter string(String value) {
        return InferParameter.newBuilder().setStringParam(value).build();
    }

    private static ByteString ints(int count, int value) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            bytes.putInt(value + i);
        }
        return ByteString.copyFrom(bytes.flip());
    }

    private static void assertStatus(Executable call, Status.Code code, String fragment) {
        assertThatThrownBy(call::execute).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    Status status = ((StatusRuntimeException) e).getStatus();
                    assertThat(status.getCode()).as(status.toString()).isEqualTo(code);
                    assertThat(status.getDescription()).contains(fragment);
                });
    }
}
