package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a model builds: outputs checked at once, leases owned by the response, a model's own tests without a server. */
class InferenceResponseTests {

    private final PinnedMemoryPool<byte[]> pool = TestPools.tensors(64 * 1024);

    @AfterEach
    void stop() {
        TestPools.assertBalanced(pool);
        pool.close();
    }

    @Test
    void anOutputWhoseBytesDoNotFitItsShapeShouldFailInsideTheModelNamingTheSizes() {
        InferenceResponse.Builder builder = InferenceResponse.builder();
        assertThatThrownBy(() -> builder.output("OUT", "FP32", new long[] {3}, MemorySegment.ofArray(new byte[8])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'OUT' (FP32, shape [3]): 8 bytes, but 3 elements of FP32 are 12 bytes");
        builder.output("OUT", "FP32", new long[] {2}, MemorySegment.ofArray(new byte[8]));
        assertThatThrownBy(() -> builder.output("OUT", "FP32", new long[] {2}, MemorySegment.ofArray(new byte[8])))
                .hasMessage("two outputs named 'OUT' (expected: unique names)");
    }

    @Test
    void aLeaseShouldBelongToTheResponseAndEndWithItsClose() {
        PinnedBuffer<byte[]> lease = pool.rent(4096);
        InferenceResponse response = InferenceResponse.builder().output("OUT", "INT32", new long[] {3}, lease).build();
        assertThat(response.output("OUT").data().byteSize()).as("the start of the lease: the shape's bytes").isEqualTo(12);
        response.close();
        response.close();
        assertThat(lease.isPinned()).isFalse();
    }

    @Test
    void aLeaseTooSmallForItsShapeShouldBeEndedAndRefused() {
        PinnedBuffer<byte[]> lease = pool.rent(8);
        assertThatThrownBy(() -> InferenceResponse.builder().output("OUT", "FP64", new long[] {2}, lease))
                .hasMessage("output 'OUT' (FP64, shape [2]): a lease of 8 bytes does not hold 2 elements of 8 bytes");
        assertThat(lease.isPinned()).isFalse();
    }

    @Test
    void aModelShouldBeTestableWithoutAServer() throws Exception {
        TestModels.Scripted doubler = new TestModels.Scripted(TestModels.metadata("double", List.of(),
                new TensorMetadata("X", "FP32", List.of(-1L)), new TensorMetadata("Y", "FP32", List.of(-1L))), request -> {
            MemorySegment x = request.input("X").data();
            PinnedBuffer<byte[]> y = pool.rent((int) x.byteSize());
            for (long i = 0; i < x.byteSize(); i += 4) {
                y.segment().set(TestModels.FLOAT, i, 2 * x.get(TestModels.FLOAT, i));
            }
            return InferenceResponse.builder().output("Y", "FP32", request.input("X").shape(), y).build();
        });
        InferenceRequest request = InferenceRequest.of("double",
                List.of(InferenceTensor.of("X", "FP32", new long[] {2}, TestModels.floats(1.5f, 2))));
        try (InferenceResponse response = doubler.infer(request)) {
            assertThat(TestModels.sum(response.output("Y").data())).isEqualTo(7f);
        }
        assertThatThrownBy(() -> InferenceTensor.of("X", "FP32", new long[] {3}, TestModels.floats(1)))
                .hasMessage("tensor 'X' (FP32, shape [3]): 4 bytes, but 3 elements of FP32 are 12 bytes");
    }
}
