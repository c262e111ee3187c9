package dev.pinnedmemory.inference;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The transport-neutral rules of one request: checks before rents, leases that end exactly once, the model's run. */
class InferenceCallTests {

    private final List<InferenceObserver.CompletedRequest> completed = new ArrayList<>();
    private PinnedMemoryPool<byte[]> pool;
    private InferenceServer server;
    private TestModels.Scripted model;

    @BeforeEach
    void start() {
        pool = TestPools.tensors(64 * 1024);
        model = new TestModels.Scripted(new ModelMetadata("scale", List.of("1", "2"), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L, 2L)), new TensorMetadata("FLAGS", "BOOL", List.of(2L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L, 2L)), new TensorMetadata("SUM", "FP32", List.of(1L)))),
                request -> InferenceResponse.builder()
                        .output("OUTPUT", "FP32", request.input("INPUT").shape(), request.input("INPUT").data())
                        .output("SUM", "FP32", new long[] {1}, TestModels.floats(TestModels.sum(request.input("INPUT").data())))
                        .build());
        server = InferenceServer.builder(pool).model(model).observer(completed::add).build();
    }

    @AfterEach
    void stop() {
        TestPools.assertBalanced(pool);
        pool.close();
    }

    @Test
    void inferShouldGiveTheModelItsInputsInPinnedLeasesAndDescribeTheOutputs() throws IOException {
        try (InferenceCall call = server.open("scale", null)) {
            call.id("42");
            DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {2, 2}, Map.of(), 16);
            call.receive(input, TensorSources.of(TestModels.floats(1, 2, 3, 4)));
            DeclaredInput flags = call.declareInput("FLAGS", "BOOL", new long[] {2}, Map.of(), DeclaredInput.UNKNOWN_SIZE);
            call.receive(flags, sink -> {
                sink.appendBoolean(true);
                sink.appendBoolean(false);
            });
            List<ResponseOutput> outputs = call.infer();

            InferenceRequest seen = model.last.get();
            assertThat(seen.modelVersion()).isEqualTo("2");
            assertThat(seen.id()).isEqualTo("42");
            assertThat(seen.input("INPUT").data().isNative()).isTrue();
            assertThat(seen.input("INPUT").data().byteSize()).isEqualTo(16);
            assertThat(seen.input("FLAGS").data().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
            assertThat(outputs).extracting(ResponseOutput::name).containsExactly("OUTPUT", "SUM");
            assertThat(outputs.get(1).data().get(TestModels.FLOAT, 0)).isEqualTo(10f);
            assertThat(pool.stats().inUse()).isEqualTo(2);
        }
        assertThat(completed).singleElement().satisfies(request -> {
            assertThat(request.outcome()).isEqualTo("success");
            assertThat(request.version()).isEqualTo("2");
            assertThat(request.bytesIn()).isEqualTo(18);
            assertThat(request.bytesOut()).isEqualTo(20);
        });
    }

    @Test
    void declarationsThatBreakARuleShouldBeRefusedBeforeAnythingIsRented() {
        try (InferenceCall call = server.open("scale", "1")) {
            assertRefused(() -> call.declareInput("NOPE", "FP32", new long[] {1, 2}, Map.of(), 8), 400,
                    "model 'scale' has no input 'NOPE' (inputs: [INPUT, FLAGS])");
            assertRefused(() -> call.declareInput("INPUT", "FP8", new long[] {1, 2}, Map.of(), 8), 400,
                    "input 'INPUT': unknown datatype 'FP8'");
            assertRefused(() -> call.declareInput("INPUT", "INT32", new long[] {1, 2}, Map.of(), 8), 400,
                    "input 'INPUT': datatype INT32, but model 'scale' takes FP32");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {1, 3}, Map.of(), 12), 400,
                    "input 'INPUT': shape [1, 3] does not fit [-1, 2] of model 'scale' (-1: any size)");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {-4, 2}, Map.of(), 8), 400,
                    "input 'INPUT': shape [-4, 2] (expected: sizes of at least 0)");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {Long.MAX_VALUE / 2 + 1, 2}, Map.of(), 8), 400,
                    "has more elements or bytes than a long counts");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {Long.MAX_VALUE / 4, 2}, Map.of(),
                    DeclaredInput.UNKNOWN_SIZE), 400, "has more elements or bytes than a long counts");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {2, 2}, Map.of(), 12), 400,
                    "input 'INPUT' (FP32, shape [2, 2]): 12 bytes, but 4 elements of FP32 are 16 bytes (4 each)");
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {10_000, 2}, Map.of(), 80_000), 413,
                    "input 'INPUT' (FP32, shape [10000, 2]): 80000 bytes, larger than the largest buffer of pool 'tensors' (65536 bytes)");
            call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8);
            assertRefused(() -> call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8), 400,
                    "input 'INPUT' appears twice");
        }
        assertThat(pool.stats().rents()).isZero();
        assertThat(completed).singleElement().extracting(InferenceObserver.CompletedRequest::outcome)
                .isEqualTo("invalid-argument");
    }

    @Test
    void moreInputsThanTheLimitShouldBeRefusedNamingTheLimit() {
        InferenceServer limited = InferenceServer.builder(pool).model(model).limits(new InferenceLimits(1, 1024)).build();
        try (InferenceCall call = limited.open("scale", null)) {
            call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8);
            assertRefused(() -> call.declareInput("FLAGS", "BOOL", new long[] {2}, Map.of(), 2), 400,
                    "more than 1 inputs (the limit, pinned-memory.inference.max-inputs); model 'scale' takes 2");
        }
    }

    @Test
    void unknownModelsAndVersionsShouldBeNotFoundNamingWhatThereIs() {
        assertRefused(() -> server.open("other", null), 404, "unknown model 'other' (models: [scale])");
        assertRefused(() -> server.open("scale", "3"), 404, "model 'scale' has no version '3' (versions: [1, 2])");
        model.ready = false;
        assertRefused(() -> server.open("scale", null), 503, "model 'scale' version 2 is not ready");
    }

    @Test
    void dataThatEndsEarlyShouldBeRefusedAndItsLeaseEnded() throws IOException {
        try (InferenceCall call = server.open("scale", null)) {
            DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {2, 2}, Map.of(), 16);
            assertRefused(() -> call.receive(input, TensorSources.of(Channels.newChannel(new ByteArrayInputStream(new byte[10])))),
                    400, "input 'INPUT' (FP32, shape [2, 2]): the data ended after 10 of 16 bytes");
            assertThat(pool.stats().inUse()).isEqualTo(1);
        }
        assertThat(pool.stats().rents()).isEqualTo(1);
    }

    @Test
    void elementsShouldBeCheckedAgainstTheirDatatypeBeforeTheyAreWritten() throws IOException {
        ModelMetadata all = new ModelMetadata("types", List.of(), "java", List.of(
                new TensorMetadata("U8", "UINT8", List.of(1L)), new TensorMetadata("I32", "INT32", List.of(1L)),
                new TensorMetadata("I64", "INT64", List.of(1L)), new TensorMetadata("F32", "FP32", List.of(1L)),
                new TensorMetadata("B", "BOOL", List.of(1L)), new TensorMetadata("U64", "UINT64", List.of(1L)),
                new TensorMetadata("F16", "FP16", List.of(1L))), List.of());
        InferenceServer types = InferenceServer.builder(pool).model(new TestModels.Scripted(all,
                request -> InferenceResponse.builder().build())).build();
        try (InferenceCall call = types.open("types", null)) {
            assertRefused(() -> call.receive(declare(call, "U8", "UINT8"), sink -> sink.appendLong(300)), 400,
                    "input 'U8' (UINT8, shape [1]) element 0: 300 is out of range [0, 255] of UINT8");
            assertRefused(() -> call.receive(declare(call, "I32", "INT32"), sink -> sink.appendDouble(1.5)), 400,
                    "input 'I32' (INT32, shape [1]) element 0: 1.5 is not an integer, expected an integer in [-2147483648, 2147483647] of INT32");
            assertRefused(() -> call.receive(declare(call, "I64", "INT64"), sink -> sink.appendDouble(Double.NaN)), 400,
                    "input 'I64' (INT64, shape [1]) element 0: NaN is not a number of INT64");
            assertRefused(() -> call.receive(declare(call, "F32", "FP32"), sink -> sink.appendDouble(1e39)), 400,
                    "element 0: 1.0E39 is out of range of FP32");
            assertRefused(() -> call.receive(declare(call, "B", "BOOL"), sink -> sink.appendLong(1)), 400,
                    "input 'B' (BOOL, shape [1]) element 0: 1 is not a BOOL (expected: true or false)");
            assertRefused(() -> call.receive(declare(call, "F16", "FP16"), sink -> sink.appendDouble(70000)), 400,
                    "out of range of FP16");
            DeclaredInput u64 = declare(call, "U64", "UINT64");
            call.receive(u64, sink -> sink.appendUnsignedLong(-1L));
        }
    }

    @Test
    void moreElementsThanTheShapeShouldBeRefusedWithoutWritingPastTheLease() throws IOException {
        try (InferenceCall call = server.open("scale", null)) {
            DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), DeclaredInput.UNKNOWN_SIZE);
            AtomicInteger written = new AtomicInteger();
            assertRefused(() -> call.receive(input, sink -> {
                for (int i = 0; i < 3; i++) {
                    sink.appendFloat(i);
                    written.incrementAndGet();
                }
            }), 400, "input 'INPUT' (FP32, shape [1, 2]): more than the 2 elements its shape holds");
            assertThat(written).hasValue(2);
        }
    }

    @Test
    void fewerElementsThanTheShapeShouldBeRefusedNamingTheCounts() {
        try (InferenceCall call = server.open("scale", null)) {
            DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {2, 2}, Map.of(), DeclaredInput.UNKNOWN_SIZE);
            assertRefused(() -> call.receive(input, sink -> sink.appendFloat(1)), 400,
                    "input 'INPUT' (FP32, shape [2, 2]): 1 elements, but the shape holds 4");
        }
    }

    @Test
    void bytesTensorsShouldBeCheckedForWholeElements() throws IOException {
        ModelMetadata text = TestModels.metadata("text", List.of(), new TensorMetadata("TEXT", "BYTES", List.of(-1L)),
                new TensorMetadata("LENGTH", "INT32", List.of(1L)));
        InferenceServer texts = InferenceServer.builder(pool).model(new TestModels.Scripted(text,
                request -> InferenceResponse.builder().output("LENGTH", "INT32", new long[] {1},
                        MemorySegment.ofArray(new int[] {(int) request.input("TEXT").data().byteSize()})).build())).build();
        MemorySegment twoElements = MemorySegment.ofArray(new byte[] {2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0});
        try (InferenceCall call = texts.open("text", null)) {
            DeclaredInput input = call.declareInput("TEXT", "BYTES", new long[] {2}, Map.of(), 10);
            call.receive(input, TensorSources.of(twoElements));
            assertThat(call.infer().getFirst().data().get(ValueLayout.JAVA_INT, 0)).isEqualTo(10);
        }
        try (InferenceCall call = texts.open("text", null)) {
            DeclaredInput input = call.declareInput("TEXT", "BYTES", new long[] {2}, Map.of(), 10);
            MemorySegment claimsTooMuch = MemorySegment.ofArray(new byte[] {2, 0, 0, 0, 'h', 'i', 9, 0, 0, 0});
            assertRefused(() -> call.receive(input, TensorSources.of(claimsTooMuch)), 400,
                    "input 'TEXT' (BYTES, shape [2]): BYTES element 1 of 2 claims 9 bytes at byte 10, but only 0 are left");
        }
        try (InferenceCall call = texts.open("text", null)) {
            assertRefused(() -> call.declareInput("TEXT", "BYTES", new long[] {3}, Map.of(), 10), 400,
                    "10 bytes, but its 3 BYTES elements take at least 12 (a 4-byte length each)");
        }
    }

    @Test
    void missingInputsShouldBeRefusedBeforeTheModelRuns() throws IOException {
        try (InferenceCall call = server.open("scale", null)) {
            call.receive(call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8),
                    TensorSources.of(TestModels.floats(1, 2)));
            assertRefused(call::infer, 400, "model 'scale' needs input 'FLAGS', missing in the request");
        }
        assertThat(model.last.get()).isNull();
    }

    @Test
    void aModelThatThrowsShouldFailWithItsMessageAndEveryLeaseShouldEndOnce() throws IOException {
        TestModels.Scripted failing = new TestModels.Scripted(model.metadata(), request -> {
            PinnedBuffer<byte[]> output = pool.rent(8);
            InferenceResponse.builder().output("OUTPUT", "FP32", new long[] {1, 2}, output);
            throw new IllegalStateException("the GPU is on fire");
        });
        InferenceServer failingServer = InferenceServer.builder(pool).model(failing).observer(completed::add).build();
        try (InferenceCall call = failingServer.open("scale", null)) {
            feedBoth(call);
            InferenceException refusal = assertRefused(call::infer, 500, "model 'scale' failed: the GPU is on fire");
            assertThat(refusal.getCause()).hasMessage("the GPU is on fire");
            assertThat(pool.stats().inUse()).as("two inputs and the output the model gave its response").isEqualTo(3);
        }
        assertThat(pool.stats().rents()).isEqualTo(3);
        assertThat(completed).singleElement().extracting(InferenceObserver.CompletedRequest::outcome)
                .isEqualTo("model-failed");
    }

    @Test
    void holdsShouldBeClosedExactlyOnceWhenTheCallEnds() throws IOException {
        AtomicInteger closes = new AtomicInteger();
        InferenceCall call = server.open("scale", null);
        call.receive(call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8), TensorSources.of(TestModels.floats(1, 2)));
        call.attach(call.declareInput("FLAGS", "BOOL", new long[] {2}, Map.of(), 2), MemorySegment.ofArray(new byte[] {1, 0}),
                closes::incrementAndGet);
        call.infer();
        call.close();
        call.close();
        assertThat(closes).hasValue(1);
        assertThat(call.heldCount()).isZero();
    }

    @Test
    void aResponseBuiltOnAnotherThreadShouldHandItsLeasesToTheCall() throws Exception {
        TestModels.Scripted async = new TestModels.Scripted(model.metadata(), request -> CompletableFuture.supplyAsync(() -> {
            PinnedBuffer<byte[]> output = pool.rent(8);
            output.segment().copyFrom(request.input("INPUT").data());
            return InferenceResponse.builder().output("OUTPUT", "FP32", new long[] {1, 2}, output).build();
        }).get(10, TimeUnit.SECONDS));
        InferenceServer asyncServer = InferenceServer.builder(pool).model(async).build();
        InferenceCall call = asyncServer.open("scale", null);
        feedBoth(call);
        List<ResponseOutput> outputs = call.infer();
        assertThat(outputs.getFirst().data().get(TestModels.FLOAT, 4)).isEqualTo(2f);
        assertThat(pool.stats().inUse()).isEqualTo(3);
        call.close();
        assertThat(pool.stats().inUse()).isZero();
    }

    @Test
    void requestedOutputsShouldBeCheckedAndWrittenInTheOrderAsked() throws IOException {
        try (InferenceCall call = server.open("scale", null)) {
            assertRefused(() -> call.requestOutput("NOPE", Map.of()), 400, "model 'scale' has no output 'NOPE' (outputs: [OUTPUT, SUM])");
            call.requestOutput("SUM", Map.of("binary_data", true));
            assertRefused(() -> call.requestOutput("SUM", Map.of()), 400, "output 'SUM' is requested twice");
            feedBoth(call);
            List<ResponseOutput> outputs = call.infer();
            assertThat(outputs).singleElement().satisfies(output -> {
                assertThat(output.name()).isEqualTo("SUM");
                assertThat(output.parameters()).containsEntry("binary_data", true);
            });
            assertThat(model.last.get().requestedOutputs()).containsExactly("SUM");
        }
    }

    @Test
    void aRequestedOutputTheModelDidNotProduceShouldBeAServerError() throws IOException {
        TestModels.Scripted partial = new TestModels.Scripted(model.metadata(), request -> InferenceResponse.builder()
                .output("OUTPUT", "FP32", new long[] {1, 2}, request.input("INPUT").data()).build());
        try (InferenceCall call = InferenceServer.builder(pool).model(partial).build().open("scale", null)) {
            call.requestOutput("SUM", Map.of());
            feedBoth(call);
            assertRefused(call::infer, 500, "model 'scale' did not produce the requested output 'SUM' (it produced [OUTPUT])");
        }
    }

    @Test
    void noMemoryWithinMaxWaitShouldBeRetryableNamingThePoolAndTheBudget() throws IOException {
        MemoryBudget budget = new MemoryBudget(8192);
        try (PinnedMemoryPool<byte[]> small = TestPools.tensors(8192, budget, Duration.ofMillis(20));
             PinnedBuffer<byte[]> hog = small.rent(8192)) {
            InferenceServer tight = InferenceServer.builder(small).model(model).build();
            try (InferenceCall call = tight.open("scale", null)) {
                DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8);
                InferenceException refusal = assertRefused(() -> call.receive(input, TensorSources.of(TestModels.floats(1, 2))),
                        503, "no pinned memory for input 'INPUT' (FP32, shape [1, 2]) of 8 bytes within pool 'tensors' max-wait of 20 ms");
                assertThat(refusal.reason().isRetryable()).isTrue();
                assertThat(refusal.reason().grpcCode()).isEqualTo("RESOURCE_EXHAUSTED");
            }
            hog.close();
            TestPools.assertBalanced(small);
        }
    }

    @Test
    void aCloseFromAnotherThreadDuringAReceiveShouldEndTheLeaseOnlyWhenTheSourceIsDone() throws Exception {
        InferenceCall call = server.open("scale", null);
        DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> receiving = CompletableFuture.runAsync(() -> {
            try {
                call.receive(input, sink -> {
                    inside.countDown();
                    await().until(() -> release.getCount() == 0);
                    sink.remaining().set(TestModels.FLOAT, 0, 7f);   // still this request's memory
                    sink.advance(4);
                    sink.appendFloat(8f);
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        call.close();
        assertThat(pool.stats().inUse()).as("the lease is still being written").isEqualTo(1);
        release.countDown();
        receiving.get(10, TimeUnit.SECONDS);
        assertThat(pool.stats().inUse()).isZero();
        assertThatThrownBy(call::infer).isInstanceOf(IllegalStateException.class).hasMessageContaining("was closed");
    }

    @Test
    void theServerShouldListModelsInItsIndexWithTheirState() {
        TestModels.Scripted other = new TestModels.Scripted(TestModels.metadata("other", List.of(),
                new TensorMetadata("X", "INT8", List.of(1L)), new TensorMetadata("Y", "INT8", List.of(1L))),
                request -> InferenceResponse.builder().build());
        other.ready = false;
        InferenceServer both = InferenceServer.builder(pool).model(model).model(other).build();
        assertThat(both.repositoryIndex(false)).containsExactly(
                new ModelIndexEntry("scale", "1", "READY", ""), new ModelIndexEntry("scale", "2", "READY", ""),
                new ModelIndexEntry("other", null, "UNAVAILABLE", "the model says it is not ready"));
        assertThat(both.repositoryIndex(true)).hasSize(2);
        assertThat(both.isReady()).isFalse();
        assertThat(both.metadata().extensions()).containsExactly("binary_tensor_data");
        assertThat(both.metadata().version()).isNotBlank();
    }

    private static DeclaredInput declare(InferenceCall call, String name, String datatype) {
        return call.declareInput(name, datatype, new long[] {1}, Map.of(), DeclaredInput.UNKNOWN_SIZE);
    }

    private void feedBoth(InferenceCall call) throws IOException {
        call.receive(call.declareInput("INPUT", "FP32", new long[] {1, 2}, Map.of(), 8), TensorSources.of(TestModels.floats(1, 2)));
        call.receive(call.declareInput("FLAGS", "BOOL", new long[] {2}, Map.of(), 2),
                TensorSources.of(MemorySegment.ofArray(new byte[] {1, 0})));
    }

    interface Action {
        void run() throws Exception;
    }

    static InferenceException assertRefused(Action action, int status, String message) {
        try {
            action.run();
        } catch (InferenceException e) {
            assertThat(e.reason().httpStatus()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.getMessage()).contains(message);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an InferenceException, got " + e, e);
        }
        throw new AssertionError("expected an InferenceException with " + status + ": " + message);
    }
}
