package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.MemoryBudget;

/**
 * Run in a child JVM by {@code SharedMemoryInferenceTests}: registers a locked region, then lets a model shrink the
 * client's object under a running request and read past the new end (a fault, SIGBUS, in the kernel), and prints
 * what the request was answered, what the next request is answered, and what is locked after unregistering. A
 * crash of this JVM fails the test.
 */
public final class TruncationMain {

    private TruncationMain() {
    }

    public static void main(String[] args) {
        MemoryBudget budget = MemoryBudget.unlimited();
        try (SharedMemoryObjects objects = new SharedMemoryObjects();
             SharedMemoryRegistry registry = SharedMemoryRegistry.create(TestPools.MLOCK, budget, SharedMemoryLimits.DEFAULTS)) {
            String key = objects.create("truncated", 64 * 1024);
            long locked = SharedMemoryObjects.lockedKb();
            registry.register("r", key, 0, 64 * 1024);
            TestModels.Scripted reader = new TestModels.Scripted(new ModelMetadata("reader", List.of(), "java",
                    List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))), List.of(new TensorMetadata("SUM", "FP32", List.of(1L)))),
                    request -> {
                        MemorySegment input = request.input("INPUT").data();
                        SharedMemoryObjects.truncate(key, 4096);   // the client shrinks its object while the model runs
                        return InferenceResponse.builder().output("SUM", "FP32", new long[] {1},
                                TestModels.floats(TestModels.sum(input))).build();
                    });
            try (var pool = TestPools.tensors(4096)) {
                InferenceServer server = InferenceServer.builder(pool).model(reader).sharedMemory(registry).build();
                Map<String, Object> whole = SharedMemoryInferenceTests.shm("r", 0, 64 * 1024);
                try (InferenceCall call = server.open("reader", null)) {
                    call.declareInput("INPUT", "FP32", new long[] {16 * 1024}, whole, DeclaredInput.UNKNOWN_SIZE);
                    call.infer();
                    System.out.println("ANSWERED");
                } catch (InferenceException e) {
                    System.out.println("REFUSED " + e.reason() + " " + e.getMessage());
                }
                try (InferenceCall call = server.open("reader", null)) {
                    call.declareInput("INPUT", "FP32", new long[] {16 * 1024}, whole, DeclaredInput.UNKNOWN_SIZE);
                    System.out.println("NEXT ACCEPTED");
                } catch (InferenceException e) {
                    System.out.println("NEXT " + e.reason() + " " + e.getMessage());
                }
            }
            registry.unregister("r");
            System.out.println("UNREGISTERED locked=" + (SharedMemoryObjects.lockedKb() - locked) + " held="
                    + registry.heldRegionCount() + " budget=" + budget.usedBytes());
        }
    }
}
