package dev.pinnedmemory.inference.grpc;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceLimits;
import dev.pinnedmemory.inference.InferenceObserver;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;
import dev.pinnedmemory.inference.TestPools;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferInputTensor;
import inference.GrpcPredictV2.ModelInferRequest.InferRequestedOutputTensor;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelMetadataResponse;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ServerLiveRequest;
import inference.GrpcPredictV2.ServerMetadataRequest;
import inference.GrpcPredictV2.ServerMetadataResponse;
import inference.GrpcPredictV2.ServerReadyRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.pinnedmemory.inference.grpc.GrpcFixtures.floats;
import static dev.pinnedmemory.inference.grpc.GrpcFixtures.floatsOf;
import static dev.pinnedmemory.inference.grpc.GrpcFixtures.longs;
import static dev.pinnedmemory.inference.grpc.GrpcFixtures.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The gRPC service on grpc-java's Netty server, called by the client grpc-java's code generator makes from
 * the protocol's proto (what Triton's and KServe's Java users write): every method, datatypes in raw and
 * typed form, every refusal with its status, and the end of every lease on every way a call ends.
 */
class GrpcInferenceServiceTests {

    private static final int LARGEST = 64 * 1024;

    private PinnedMemoryPool<byte[]> pool;
    private TestModels.Scripted scale;
    private TestModels.Scripted blocking;
    private final CountDownLatch entered = new CountDownLatch(1);
    private GrpcFixtures.Served served;

    @BeforeEach
    void start() throws Exception {
        pool = TestPools.tensors(LARGEST);
        scale = GrpcFixtures.scale(pool);
        blocking = new TestModels.Scripted(new ModelMetadata("blocking", List.of(), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))),
                request -> {
                    // Runs until the server sees the call cancelled (the client's cancel, or its deadline).
                    CountDownLatch cancelled = new CountDownLatch(1);
                    Context.current().addListener(context -> cancelled.countDown(), MoreExecutors.directExecutor());
                    entered.countDown();
                    assertThat(cancelled.await(20, TimeUnit.SECONDS)).as("cancellation seen by the model").isTrue();
                    return InferenceResponse.builder().output("OUTPUT", "FP32", request.input("INPUT").shape(),
                            request.input("INPUT").data()).build();
                });
        served = new GrpcFixtures.Served(pool, new InferenceLimits(4, 4096), List.of(scale, GrpcFixtures.echo("INT64"),
                GrpcFixtures.echo("BYTES"), GrpcFixtures.echo("FP16"), GrpcFixtures.pair(), GrpcFixtures.failing(), blocking));
    }

    @AfterEach
    void stop() throws Exception {
        served.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        TestPools.assertBalanced(pool);
        pool.close();
    }

    @Test
    void healthAndMetadataShouldAnswerAsTheProtocolSays() {
        assertThat(served.stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(served.stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        ServerMetadataResponse metadata = served.stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(metadata.getName()).isEqualTo("pinned-memory");
        assertThat(metadata.getVersion()).isEqualTo(served.inference.metadata().version());
        assertThat(metadata.getExtensionsList()).contains("binary_tensor_data");

        assertThat(served.stub.modelReady(ModelReadyRequest.newBuilder().setName("scale").build()).getReady()).isTrue();
        assertThat(served.stub.modelReady(ModelReadyRequest.newBuilder().setName("scale").setVersion("1").build())
                .getReady()).isTrue();
        ModelMetadataResponse model = served.stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("scale").build());
        assertThat(model.getName()).isEqualTo("scale");
        assertThat(model.getVersionsList()).containsExactly("1", "2");
        assertThat(model.getPlatform()).isEqualTo("java");
        assertThat(model.getInputsList()).singleElement().satisfies(input -> {
            assertThat(input.getName()).isEqualTo("INPUT");
            assertThat(input.getDatatype()).isEqualTo("FP32");
            assertThat(input.getShapeList()).containsExactly(-1L);
        });
        assertThat(model.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName)
                .containsExactly("OUTPUT", "SUM");

        scale.ready = false;
        assertThat(served.stub.modelReady(ModelReadyRequest.newBuilder().setName("scale").build()).getReady()).isFalse();
        assertThat(served.stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();

        assertStatus(() -> served.stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()),
                Status.Code.NOT_FOUND, "unknown model 'nope' (models: [scale, echo_int64, echo_bytes, echo_fp16, pair, failing, blocking])");
        assertStatus(() -> served.stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("scale").setVersion("3").build()),
                Status.Code.NOT_FOUND, "model 'scale' has no version '3' (versions: [1, 2])");
    }

    @Test
    void modelInferShouldAnswerWithRawOutputsTheRequestsIdAndTheModelsParameters() {
        ModelInferResponse response = served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("scale").setId("42")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(4))
                .addRawInputContents(floats(1, 2, 3, 4))
                .build());

        assertThat(response.getModelName()).isEqualTo("scale");
        assertThat(response.getModelVersion()).isEqualTo("2");
        assertThat(response.getId()).isEqualTo("42");
        assertThat(response.getParametersMap()).containsEntry("scaled_by", InferParameter.newBuilder().setInt64Param(2).build());
        assertThat(response.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("OUTPUT", "SUM");
        assertThat(response.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(4L);
        assertThat(floatsOf(response.getRawOutputContents(0))).containsExactly(2f, 4f, 6f, 8f);
        assertThat(floatsOf(response.getRawOutputContents(1))).containsExactly(10f);
        assertThat(scale.last.get().input("INPUT").data().isNative()).isTrue();
        await().untilAsserted(() -> assertThat(served.completed).singleElement()
                .extracting(InferenceObserver.CompletedRequest::outcome).isEqualTo("success"));

        ModelInferResponse onlySum = served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("scale")
                .setModelVersion("1")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(2))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("SUM"))
                .addRawInputContents(floats(0.5f, 0.25f))
                .build());
        assertThat(onlySum.getModelVersion()).isEqualTo("1");
        assertThat(onlySum.getOutputsList()).singleElement().extracting(ModelInferResponse.InferOutputTensor::getName)
                .isEqualTo("SUM");
        assertThat(floatsOf(onlySum.getRawOutputContents(0))).containsExactly(0.75f);
    }

    @Test
    void int64BytesAndFp16ShouldTravelRawBothWays() {
        ModelInferResponse ints = served.stub.modelInfer(raw("echo_int64", "INT64", 3, longs(-7, 0, Long.MAX_VALUE)));
        assertThat(ints.getRawOutputContents(0)).isEqualTo(longs(-7, 0, Long.MAX_VALUE));
        assertThat(ints.getOutputs(0).getDatatype()).isEqualTo("INT64");

        ModelInferResponse text = served.stub.modelInfer(raw("echo_bytes", "BYTES", 2, strings("hello", "wörld")));
        assertThat(text.getRawOutputContents(0)).isEqualTo(strings("hello", "wörld"));

        ByteString halves = ByteString.copyFrom(new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0});   // 1.0, -2.0
        assertThat(served.stub.modelInfer(raw("echo_fp16", "FP16", 2, halves)).getRawOutputContents(0)).isEqualTo(halves);
    }

    @Test
    void typedContentsShouldLandInLeasesAndComeBackRaw() {
        ModelInferResponse scaled = served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("scale")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(3)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(-1)
                                .addFp32Contents(0.5f)))
                .build());
        assertThat(floatsOf(scaled.getRawOutputContents(0))).containsExactly(2f, -2f, 1f);

        ModelInferResponse ints = served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("echo_int64")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("INT64").addShape(2)
                        .setContents(InferTensorContents.newBuilder().addInt64Contents(Long.MIN_VALUE).addInt64Contents(5)))
                .build());
        assertThat(ints.getRawOutputContents(0)).isEqualTo(longs(Long.MIN_VALUE, 5));

        ModelInferResponse text = served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("echo_bytes")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("BYTES").addShape(2)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("a"))
                                .addBytesContents(ByteString.copyFromUtf8("bc"))))
                .build());
        assertThat(text.getRawOutputContents(0)).isEqualTo(strings("a", "bc"));
    }

    @Test
    void refusalsShouldCarryTheProtocolsStatusAndNameTheTensorTheSizesAndTheLimit() {
        assertStatus(() -> served.stub.modelInfer(raw("nope", "FP32", 1, floats(1))), Status.Code.NOT_FOUND,
                "unknown model 'nope'");
        assertStatus(() -> served.stub.modelInfer(raw("scale", "INT32", 1, floats(1))), Status.Code.INVALID_ARGUMENT,
                "input 'INPUT': datatype INT32, but model 'scale' takes FP32");
        assertStatus(() -> served.stub.modelInfer(raw("scale", "FP32", 2, floats(1))), Status.Code.INVALID_ARGUMENT,
                "input 'INPUT' (FP32, shape [2]): 4 bytes, but 2 elements of FP32 are 8 bytes (4 each)");
        assertStatus(() -> served.stub.modelInfer(raw("scale", "FP8", 1, floats(1))), Status.Code.INVALID_ARGUMENT,
                "input 'INPUT': unknown datatype 'FP8'");
        assertStatus(() -> served.stub.modelInfer(raw("scale", "FP32", LARGEST / 4 + 1, ByteString.copyFrom(new byte[LARGEST + 4]))),
                Status.Code.RESOURCE_EXHAUSTED, "input 'INPUT' (FP32, shape [16385]): 65540 bytes, larger than the largest "
                        + "buffer of pool 'tensors' (65536 bytes)");
        long limit = served.service.maxMessageBytes();
        assertStatus(() -> served.stub.modelInfer(raw("scale", "FP32", 1, ByteString.copyFrom(new byte[(int) limit]))),
                Status.Code.RESOURCE_EXHAUSTED, "bytes is larger than this server takes: " + limit + " bytes (pool 'tensors' "
                        + "largest buffer of 65536 bytes x 4 inputs (pinned-memory.inference.max-inputs) + 4096 bytes for names "
                        + "and parameters (pinned-memory.inference.max-header-size)");
        assertStatus(() -> served.stub.modelInfer(raw("failing", "FP32", 1, floats(1))), Status.Code.INTERNAL,
                "model 'failing' failed: the device is on fire");
        scale.ready = false;
        assertStatus(() -> served.stub.modelInfer(raw("scale", "FP32", 1, floats(1))), Status.Code.UNAVAILABLE,
                "model 'scale' version 2 is not ready");
        // An unknown model has no meters of its own; the refusals of a model's rules are counted per model.
        await().untilAsserted(() -> assertThat(served.completed).extracting(InferenceObserver.CompletedRequest::outcome)
                .containsExactlyInAnyOrder("invalid-argument", "invalid-argument", "invalid-argument", "tensor-too-large",
                        "model-failed"));
    }

    @Test
    void noPinnedMemoryWithinMaxWaitShouldBeResourceExhaustedNamingThePoolAndTheBudget() throws Exception {
        MemoryBudget budget = new MemoryBudget(8192);
        PinnedMemoryPool<byte[]> tight = TestPools.tensors(8192, budget, Duration.ofMillis(20));
        try (PinnedBuffer<byte[]> hog = tight.rent(8192);
             GrpcFixtures.Served small = new GrpcFixtures.Served(tight, new InferenceLimits(4, 4096),
                     List.of(GrpcFixtures.echo("INT64")))) {
            assertStatus(() -> small.stub.modelInfer(raw("echo_int64", "INT64", 1, longs(1))), Status.Code.RESOURCE_EXHAUSTED,
                    "no pinned memory for input 'INPUT' (INT64, shape [1]) of 8 bytes within pool 'tensors' max-wait of 20 ms "
                            + "(budget: 8192 of 8192 bytes used, pinned-memory.max-total-size); try again shortly");
            // A compressed request is staged in the pool first: refused the same way, before its tensors.
            assertStatus(() -> small.stub.withCompression("gzip").modelInfer(raw("echo_int64", "INT64", 1, longs(1))),
                    Status.Code.RESOURCE_EXHAUSTED, "no pinned memory to stage a ModelInferRequest");
            hog.close();
            assertThat(small.stub.modelInfer(raw("echo_int64", "INT64", 1, longs(9))).getRawOutputContents(0))
                    .isEqualTo(longs(9));
        }
        await().untilAsserted(() -> assertThat(tight.stats().inUse()).isZero());
        TestPools.assertBalanced(tight);
        tight.close();
    }

    @Test
    void leasesShouldEndWhenTheResponseIsSent() {
        served.stub.modelInfer(raw("scale", "FP32", 1024, ByteString.copyFrom(new byte[4096])));
        await().untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        // Input, output: rented and returned.
        assertThat(pool.stats().rents()).isEqualTo(2);
    }

    @Test
    void leasesShouldEndWhenTheModelFailsOrAnInputIsRefusedAfterOthersWereRead() {
        assertStatus(() -> served.stub.modelInfer(raw("failing", "FP32", 2, floats(1, 2))), Status.Code.INTERNAL,
                "the device is on fire");
        assertStatus(() -> served.stub.modelInfer(ModelInferRequest.newBuilder().setModelName("pair")
                .addInputs(InferInputTensor.newBuilder().setName("A").setDatatype("FP32").addShape(2))
                .addInputs(InferInputTensor.newBuilder().setName("B").setDatatype("BOOL").addShape(2))
                .addRawInputContents(floats(1, 2))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 5}))
                .build()), Status.Code.INVALID_ARGUMENT, "input 'B' (BOOL, shape [2]): BOOL element 1 is 5 (expected: 0 or 1)");
        await().untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        assertThat(pool.stats().rents()).isEqualTo(3);
    }

    @Test
    void leasesShouldEndWhenTheClientCancels() throws Exception {
        ListenableFuture<ModelInferResponse> call = served.futures.modelInfer(raw("blocking", "FP32", 2, floats(1, 2)));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.stats().inUse()).isEqualTo(1);

        call.cancel(true);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        await().untilAsserted(() -> assertThat(served.completed).singleElement()
                .extracting(InferenceObserver.CompletedRequest::outcome).isEqualTo("aborted"));
    }

    @Test
    void leasesShouldEndWhenTheDeadlinePasses() throws Exception {
        assertStatus(() -> served.stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                .modelInfer(raw("blocking", "FP32", 2, floats(1, 2))), Status.Code.DEADLINE_EXCEEDED, "");
        assertThat(entered.getCount()).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        await().untilAsserted(() -> assertThat(served.completed).singleElement()
                .extracting(InferenceObserver.CompletedRequest::outcome).isEqualTo("aborted"));
    }

    @Test
    void aCompressedRequestShouldBeStagedAndServedAlike() {
        ModelInferResponse response = served.stub.withCompression("gzip").modelInfer(raw("scale", "FP32", 3, floats(1, 2, 3)));
        assertThat(floatsOf(response.getRawOutputContents(0))).containsExactly(2f, 4f, 6f);
        await().untilAsserted(() -> assertThat(pool.stats().inUse()).isZero());
        // Staging, input, output.
        assertThat(pool.stats().rents()).isEqualTo(3);
    }

    private static ModelInferRequest raw(String model, String datatype, long elements, ByteString data) {
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype(datatype).addShape(elements))
                .addRawInputContents(data)
                .build();
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
            assertThat(String.valueOf(e.getStatus().getDescription())).contains(message);
        });
    }
}
