package dev.pinnedmemory.inference.rest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.Datatype;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceTensor;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;
import dev.pinnedmemory.inference.TestModels;

/** The models the REST conformance tests call: the protocol's examples, Triton's "simple", an echo per datatype. */
final class ProtocolModels {

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ProtocolModels() {
    }

    /**
     * The model of the protocol's examples: {@code input0} UINT32 [2, 2] and {@code input1} BOOL [3] in,
     * {@code output0} FP32 [3, 2] out, the values of the example's response.
     */
    static TestModels.Scripted myModel() {
        return new TestModels.Scripted(new ModelMetadata("mymodel", List.of(), "java",
                List.of(new TensorMetadata("input0", "UINT32", List.of(2L, 2L)), new TensorMetadata("input1", "BOOL", List.of(3L))),
                List.of(new TensorMetadata("output0", "FP32", List.of(3L, 2L)))),
                request -> InferenceResponse.builder().output("output0", "FP32", new long[] {3, 2},
                        TestModels.floats(1.0f, 1.1f, 2.0f, 2.1f, 3.0f, 3.1f)).build());
    }

    /**
     * Triton's "simple" as a model that knows shared memory: it writes {@code OUTPUT0} and {@code OUTPUT1} where the
     * client asked ({@code InferenceRequest.outputMemory}), so they travel with no copy; in heap memory otherwise.
     */
    static TestModels.Scripted simpleInPlace() {
        List<Long> shape = List.of(1L, 16L);
        return new TestModels.Scripted(new ModelMetadata("simple_in_place", List.of(), "java",
                List.of(new TensorMetadata("INPUT0", "INT32", shape), new TensorMetadata("INPUT1", "INT32", shape)),
                List.of(new TensorMetadata("OUTPUT0", "INT32", shape), new TensorMetadata("OUTPUT1", "INT32", shape))),
                request -> {
                    MemorySegment a = request.input("INPUT0").data();
                    MemorySegment b = request.input("INPUT1").data();
                    MemorySegment sum = request.outputMemory("OUTPUT0") != null ? request.outputMemory("OUTPUT0").asSlice(0, 64)
                            : MemorySegment.ofArray(new byte[64]);
                    MemorySegment difference = request.outputMemory("OUTPUT1") != null
                            ? request.outputMemory("OUTPUT1").asSlice(0, 64) : MemorySegment.ofArray(new byte[64]);
                    for (long i = 0; i < 64; i += 4) {
                        sum.set(INT, i, a.get(INT, i) + b.get(INT, i));
                        difference.set(INT, i, a.get(INT, i) - b.get(INT, i));
                    }
                    return InferenceResponse.builder()
                            .output("OUTPUT0", "INT32", new long[] {1, 16}, sum)
                            .output("OUTPUT1", "INT32", new long[] {1, 16}, difference)
                            .build();
                });
    }

    /**
     * Triton's example model "simple": {@code INPUT0} and {@code INPUT1} INT32 [1, 16] in, their sum
     * {@code OUTPUT0} and difference {@code OUTPUT1} out, in leases of {@code pool}.
     */
    static TestModels.Scripted simple(PinnedMemoryPool<byte[]> pool) {
        List<Long> shape = List.of(1L, 16L);
        return new TestModels.Scripted(new ModelMetadata("simple", List.of("1"), "java",
                List.of(new TensorMetadata("INPUT0", "INT32", shape), new TensorMetadata("INPUT1", "INT32", shape)),
                List.of(new TensorMetadata("OUTPUT0", "INT32", shape), new TensorMetadata("OUTPUT1", "INT32", shape))),
                request -> {
                    MemorySegment a = request.input("INPUT0").data();
                    MemorySegment b = request.input("INPUT1").data();
                    PinnedBuffer<byte[]> sum = pool.rent(64);
                    PinnedBuffer<byte[]> difference = pool.rent(64);
                    InferenceResponse.Builder response = InferenceResponse.builder()
                            .output("OUTPUT0", "INT32", new long[] {1, 16}, sum)
                            .output("OUTPUT1", "INT32", new long[] {1, 16}, difference);
                    for (long i = 0; i < 64; i += 4) {
                        sum.segment().set(INT, i, a.get(INT, i) + b.get(INT, i));
                        difference.segment().set(INT, i, a.get(INT, i) - b.get(INT, i));
                    }
                    return response.build();
                });
    }

    /** One model per datatype, {@code echo_<datatype>}: {@code INPUT} of any length in, the same bytes as {@code OUTPUT} out. */
    static List<InferenceModel> echoes() {
        List<InferenceModel> models = new ArrayList<>();
        for (Datatype type : Datatype.values()) {
            models.add(new TestModels.Scripted(new ModelMetadata("echo_" + type.name().toLowerCase(java.util.Locale.ROOT),
                    List.of(), "java", List.of(new TensorMetadata("INPUT", type.name(), List.of(-1L))),
                    List.of(new TensorMetadata("OUTPUT", type.name(), List.of(-1L)))), request -> {
                InferenceTensor input = request.input("INPUT");
                return InferenceResponse.builder().output("OUTPUT", input.datatype(), input.shape(), input.data()).build();
            }));
        }
        return models;
    }
}
