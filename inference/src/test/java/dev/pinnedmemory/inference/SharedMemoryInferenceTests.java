package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Requests whose tensors are in shared memory, through the transport-neutral rules: an input is a view of the
 * client's region (no lease, no copy), an output is written into the client's region (no copy at all when the
 * model writes where {@code outputMemory} says), every size is checked against the region, and the request holds
 * its regions until it ends.
 */
class SharedMemoryInferenceTests {

    private final SharedMemoryObjects objects = new SharedMemoryObjects();
    private final List<InferenceObserver.CompletedRequest> completed = new ArrayList<>();
    private PinnedMemoryPool<byte[]> pool;
    private SharedMemoryRegistry registry;
    private InferenceServer server;
    private final AtomicLong seenAddress = new AtomicLong();
    private volatile boolean writeInPlace = true;
    private volatile CountDownLatch entered = new CountDownLatch(0);
    private volatile CountDownLatch proceed = new CountDownLatch(0);

    @BeforeEach
    void start() {
        pool = TestPools.tensors(4096);   // smaller than the tensors in shared memory: no lease is rented for them
        registry = SharedMemoryRegistry.create(TestPools.MLOCK, pool.budget(), SharedMemoryLimits.DEFAULTS);
        TestModels.Scripted doubler = new TestModels.Scripted(new ModelMetadata("double", List.of(), "java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))),
                request -> {
                    entered.countDown();
                    proceed.await(30, TimeUnit.SECONDS);
                    MemorySegment input = request.input("INPUT").data();
                    seenAddress.set(input.address());
                    MemorySegment target = request.outputMemory("OUTPUT");
                    MemorySegment output = writeInPlace && target != null && target.byteSize() >= input.byteSize()
                            ? target.asSlice(0, input.byteSize())
                            : MemorySegment.ofArray(new byte[(int) input.byteSize()]);
                    for (long i = 0; i < input.byteSize(); i += 4) {
                        output.set(TestModels.FLOAT, i, input.get(TestModels.FLOAT, i) * 2);
                    }
                    return InferenceResponse.builder().output("OUTPUT", "FP32", request.input("INPUT").shape(), output).build();
                });
        TestModels.Scripted flags = new TestModels.Scripted(new ModelMetadata("flags", List.of(), "java",
                List.of(new TensorMetadata("FLAGS", "BOOL", List.of(-1L)), new TensorMetadata("WORDS", "BYTES", List.of(-1L))),
                List.of(new TensorMetadata("WORDS", "BYTES", List.of(-1L)))),
                request -> InferenceResponse.builder()
                        .output("WORDS", "BYTES", request.input("WORDS").shape(), request.input("WORDS").data()).build());
        server = InferenceServer.builder(pool).models(List.of(doubler, flags)).sharedMemory(registry).observer(completed::add).build();
    }

    @AfterEach
    void stop() {
        registry.close();
        assertThat(registry.heldBytes()).isZero();
        assertThat(pool.budget().usedBytes()).as("only the pool's own buffers").isEqualTo(pool.stats().pinnedBytes());
        TestPools.assertBalanced(pool);
        pool.close();
        objects.close();
    }

    @Test
    void anInputInSharedMemoryShouldBeAViewOfTheRegionAndAnOutputWrittenThereNeedNoCopy() {
        String key = objects.create("io", 128 * 1024);
        MemorySegment client = objects.map(key);
        for (int i = 0; i < 8192; i++) {
            client.set(TestModels.FLOAT, 4096 + i * 4L, i);
        }
        registry.register("in", key, 4096, 32 * 1024);
        registry.register("out", key, 65536, 64 * 1024);

        List<ResponseOutput> outputs;
        try (InferenceCall call = server.open("double", null)) {
            DeclaredInput input = call.declareInput("INPUT", "FP32", new long[] {8192}, shm("in", 0, 32 * 1024),
                    DeclaredInput.UNKNOWN_SIZE);
            assertThat(input.inSharedMemory()).isTrue();
            client.set(TestModels.FLOAT, 4096, 100f);   // after the declaration: the model must see it, as it reads the region
            call.requestOutput("OUTPUT", shm("out", 16, 32 * 1024 + 64));
            outputs = call.infer();

            assertThat(pool.stats().rents()).as("no lease for a tensor in shared memory").isZero();
            assertThat(outputs).singleElement().satisfies(output -> {
                assertThat(output.inSharedMemory()).isTrue();
                assertThat(output.parameters()).containsExactly(Map.entry("shared_memory_region", "out"),
                        Map.entry("shared_memory_offset", 16L), Map.entry("shared_memory_byte_size", 32L * 1024));
                assertThat(output.data().byteSize()).isEqualTo(32 * 1024);
            });
        }
        assertThat(client.get(TestModels.FLOAT, 65536 + 16)).isEqualTo(200f);
        assertThat(client.get(TestModels.FLOAT, 65536 + 16 + 4 * 8191)).isEqualTo(2 * 8191f);
        assertThat(registry.copiedBytes()).as("the model wrote where the client asked: nothing copied").isZero();
        assertThat(registry.status("out").getFirst().requests()).isEqualTo(1);
        assertThat(registry.status("in").getFirst().activeRequests()).as("the request's holds ended with it").isZero();
        assertThat(completed).singleElement().satisfies(request -> {
            assertThat(request.outcome()).isEqualTo("success");
            assertThat(request.bytesIn()).isEqualTo(32 * 1024);
            assertThat(request.bytesOut()).isEqualTo(32 * 1024);
        });
    }

    @Test
    void anOutputAnsweredInOtherMemoryShouldBeCopiedIntoTheRegionOnceAndCounted() {
        writeInPlace = false;
        String key = objects.create("copy", 8192);
        MemorySegment client = objects.map(key);
        client.set(TestModels.FLOAT, 0, 1.5f);
        registry.register("r", key, 0, 8192);
        try (InferenceCall call = server.open("double", null)) {
            call.declareInput("INPUT", "FP32", new long[] {1}, shm("r", 0, 4), DeclaredInput.UNKNOWN_SIZE);
            call.requestOutput("OUTPUT", shm("r", 4096, 4));
            call.infer();
        }
        assertThat(client.get(TestModels.FLOAT, 4096)).isEqualTo(3f);
        assertThat(registry.copiedBytes()).isEqualTo(4);
        assertThat(registry.status("r").getFirst().copiedBytes()).isEqualTo(4);
    }

    @Test
    void sizesThatDoNotFitTheShapeOrTheRegionShouldBeRefusedNamingRegionOffsetAndSize() {
        String key = objects.create("sizes", 8192);
        registry.register("r", key, 0, 8192);
        assertRefused("double", call -> call.declareInput("INPUT", "FP32", new long[] {4}, shm("r", 0, 12), DeclaredInput.UNKNOWN_SIZE),
                "input 'INPUT' (FP32, shape [4]): region 'r' (shared_memory_offset 0, shared_memory_byte_size 12) holds 12 "
                        + "bytes, but 4 elements of FP32 are 16 bytes (4 each)");
        assertRefused("double", call -> call.declareInput("INPUT", "FP32", new long[] {4}, shm("r", 8180, 16), DeclaredInput.UNKNOWN_SIZE),
                "input 'INPUT' (FP32, shape [4]): shared_memory_offset 8180 + shared_memory_byte_size 16 lie outside shared "
                        + "memory region 'r' of 8192 bytes");
        assertRefused("double", call -> call.declareInput("INPUT", "FP32", new long[] {4}, shm("nowhere", 0, 16),
                DeclaredInput.UNKNOWN_SIZE), "input 'INPUT' (FP32, shape [4]): no shared memory region 'nowhere' is registered "
                + "(registered: [r])");
        assertRefused("double", call -> call.declareInput("INPUT", "FP32", new long[] {4}, shm("r", 0, 16), 16),
                "input 'INPUT' (FP32, shape [4]): names shared memory region 'r' (shared_memory_offset 0, "
                        + "shared_memory_byte_size 16) and carries 16 bytes of data too (expected: one or the other)");
        assertRefused("double", call -> call.requestOutput("OUTPUT", shm("r", 8000, 400)),
                "output 'OUTPUT': shared_memory_offset 8000 + shared_memory_byte_size 400 lie outside shared memory region 'r' of 8192 bytes");
        assertRefused("double", call -> {
            call.declareInput("INPUT", "FP32", new long[] {4}, shm("r", 0, 16), DeclaredInput.UNKNOWN_SIZE);
            call.requestOutput("OUTPUT", shm("r", 4096, 8));
            call.infer();
        }, "output 'OUTPUT' (FP32, shape [4]) is 16 bytes, more than the 8 bytes offered in shared memory region 'r' "
                + "(shared_memory_offset 4096, shared_memory_byte_size 8)");

        MemorySegment client = objects.map(key);
        client.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 100, (byte) 2);
        assertRefused("flags", call -> call.declareInput("FLAGS", "BOOL", new long[] {2}, shm("r", 99, 2), DeclaredInput.UNKNOWN_SIZE),
                "input 'FLAGS' (BOOL, shape [2]): BOOL element 1 is 2 (expected: 0 or 1)");
        assertRefused("flags", call -> call.declareInput("WORDS", "BYTES", new long[] {2}, shm("r", 0, 4), DeclaredInput.UNKNOWN_SIZE),
                "input 'WORDS' (BYTES, shape [2]): region 'r' (shared_memory_offset 0, shared_memory_byte_size 4) holds 4 bytes, "
                        + "but 2 elements of BYTES take at least 8 (a 4-byte length each)");
        assertThat(registry.status("r").getFirst().activeRequests()).as("every refused request let go of the region").isZero();
        assertThat(completed).extracting(InferenceObserver.CompletedRequest::outcome).containsOnly("invalid-argument");
    }

    @Test
    void bytesElementsInSharedMemoryShouldReachTheModelAsTheyAre() {
        String key = objects.create("words", 4096);
        MemorySegment client = objects.map(key);
        byte[] words = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0};
        MemorySegment.copy(MemorySegment.ofArray(words), 0, client, 0, words.length);
        registry.register("w", key, 0, 4096);
        try (InferenceCall call = server.open("flags", null)) {
            call.declareInput("FLAGS", "BOOL", new long[] {1}, shm("w", 2048, 1), DeclaredInput.UNKNOWN_SIZE);
            call.declareInput("WORDS", "BYTES", new long[] {2}, shm("w", 0, words.length), DeclaredInput.UNKNOWN_SIZE);
            call.requestOutput("WORDS", shm("w", 1024, 64));
            List<ResponseOutput> outputs = call.infer();
            assertThat(outputs.getFirst().parameters()).containsEntry("shared_memory_byte_size", (long) words.length);
        }
        assertThat(new String(client.asSlice(1024 + 4, 3).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII)).isEqualTo("abc");
    }

    @Test
    void aRequestShouldHoldItsRegionsUntilItEndsSoThatUnregisterWaitsForIt() throws Exception {
        String key = objects.create("held", 8192);
        long locked = SharedMemoryObjects.lockedKb();
        registry.register("r", key, 0, 8192);
        entered = new CountDownLatch(1);
        proceed = new CountDownLatch(1);
        InferenceCall call = server.open("double", null);
        call.declareInput("INPUT", "FP32", new long[] {2}, shm("r", 0, 8), DeclaredInput.UNKNOWN_SIZE);
        call.requestOutput("OUTPUT", shm("r", 4096, 8));
        Thread request = Thread.ofPlatform().start(() -> {
            try (call) {
                call.infer();
            }
        });
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        Thread unregistering = Thread.ofPlatform().start(() -> registry.unregister("r"));
        await().until(() -> unregistering.getState() == Thread.State.TIMED_WAITING);
        assertThat(registry.heldRegionCount()).isEqualTo(1);
        assertThat(SharedMemoryObjects.lockedKb() - locked).isEqualTo(8);

        proceed.countDown();
        request.join(30_000);
        unregistering.join(30_000);

        assertThat(unregistering.isAlive()).isFalse();
        assertThat(completed).singleElement().extracting(InferenceObserver.CompletedRequest::outcome).isEqualTo("success");
        assertThat(SharedMemoryObjects.lockedKb()).isEqualTo(locked);
        assertThat(SharedMemoryObjects.mappingsOf(SharedMemoryObjects.path(key))).isZero();
    }

    @Test
    void theServerMetadataShouldListTheExtensionOnlyWhenItIsOnAndRefuseTensorsInSharedMemoryWhenItIsOff() {
        assertThat(server.metadata().extensions()).containsExactly("binary_tensor_data", "system_shared_memory");
        InferenceServer off = InferenceServer.builder(pool).models(List.of(new TestModels.Scripted(
                new ModelMetadata("double", List.of(), "java", List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
                        List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L)))), request -> null))).build();
        assertThat(off.metadata().extensions()).containsExactly("binary_tensor_data");
        assertThat(off.sharedMemory().isEnabled()).isFalse();
        try (InferenceCall call = off.open("double", null)) {
            assertThatThrownBy(() -> call.declareInput("INPUT", "FP32", new long[] {1}, shm("r", 0, 4), DeclaredInput.UNKNOWN_SIZE))
                    .isInstanceOf(InferenceException.class)
                    .hasMessage("input 'INPUT' (FP32, shape [1]) names shared memory region 'r', but system shared memory is "
                            + "switched off (pinned-memory.inference.shared-memory.enabled)")
                    .extracting(e -> ((InferenceException) e).reason()).isEqualTo(InferenceException.Reason.FORBIDDEN);
        }
    }

    /** Truncation, which faults (SIGBUS) on access: in a child JVM, so that a crash could not take the tests with it. */
    @Test
    void aClientThatShrinksItsRegionUnderARunningRequestShouldGetARefusalNotACrashedServer() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:-CreateCoredumpOnCrash",
                "-cp", System.getProperty("java.class.path"), TruncationMain.class.getName()))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("the child JVM said:%n%s", output).isZero();
        assertThat(output).contains("REFUSED INVALID_ARGUMENT shared memory region 'r' changed while model 'reader' used it: '/")
                .contains("holds 4096 bytes now, fewer than the 65536 of its registered range (offset 0, byte_size 65536): its "
                        + "client shrank it")
                .contains("NEXT INVALID_ARGUMENT input 'INPUT' (FP32, shape [16384]): shared memory region 'r' cannot be used:")
                .contains("UNREGISTERED locked=0 held=0 budget=0");
    }

    private void assertRefused(String model, CallStep step, String message) {
        try (InferenceCall call = server.open(model, null)) {
            assertThatThrownBy(() -> step.run(call)).isInstanceOf(InferenceException.class).hasMessage(message);
        }
    }

    private interface CallStep {
        void run(InferenceCall call) throws Exception;
    }

    static Map<String, Object> shm(String region, long offset, long byteSize) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("shared_memory_region", region);
        parameters.put("shared_memory_offset", offset);
        parameters.put("shared_memory_byte_size", byteSize);
        return parameters;
    }

}
