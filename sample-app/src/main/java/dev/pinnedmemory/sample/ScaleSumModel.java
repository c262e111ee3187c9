package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.inference.InferenceException;
import dev.pinnedmemory.inference.InferenceModel;
import dev.pinnedmemory.inference.InferenceRequest;
import dev.pinnedmemory.inference.InferenceResponse;
import dev.pinnedmemory.inference.InferenceTensor;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.TensorMetadata;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The model this service serves over the Open Inference Protocol ({@code POST /v2/models/scale_sum/infer}):
 * {@code INPUT} (FP32, any length) times {@code SCALE} (FP32, one value) is {@code SCALED}, and {@code SUM}
 * adds it up.
 *
 * <p>The input arrives in a lease of the {@code tensors} pool, read straight from the socket. With a CUDA
 * device it goes through the device path: {@code cudaMemcpyAsync} from the input's pinned memory to the GPU
 * and back into the output's lease, on one stream, synchronised before the arithmetic (this sample has no
 * kernel: the scaling and the sum run on the host, on the bytes the device handed back). Without one the
 * input is copied into the output's lease on the host. The response parameter {@code device} says which.
 *
 * <p>Ownership: the server owns the inputs (valid until the response is written) and, once added to the
 * response, the {@code SCALED} lease rented here; {@code SUM} is a heap segment. Thread-safe: each call
 * works on its own buffers.
 */
@Component
class ScaleSumModel implements InferenceModel {

    static final String NAME = "scale_sum";
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final PinnedMemoryPool<byte[]> tensors;
    private final CudaDevice cuda;

    ScaleSumModel(@Qualifier("tensors") PinnedMemoryPool<byte[]> tensors, CudaDevice cuda) {
        this.tensors = tensors;
        this.cuda = cuda;
    }

    @Override
    public ModelMetadata metadata() {
        return new ModelMetadata(NAME, List.of("1"), "pinned-memory_java",
                List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L)), new TensorMetadata("SCALE", "FP32", List.of(1L))),
                List.of(new TensorMetadata("SCALED", "FP32", List.of(-1L)), new TensorMetadata("SUM", "FP32", List.of(1L))));
    }

    @Override
    public InferenceResponse infer(InferenceRequest request) {
        InferenceTensor input = request.input("INPUT");
        MemorySegment values = input.data();
        float scale = request.input("SCALE").data().get(FLOAT, 0);
        long bytes = values.byteSize();
        InferenceResponse.Builder response = InferenceResponse.builder()
                .parameter("device", cuda.present() ? cuda.name() : "none (host copy)");
        MemorySegment scaled;
        if (bytes == 0) {
            scaled = MemorySegment.ofArray(new byte[0]);
            response.output("SCALED", "FP32", input.shape(), scaled);
        } else {
            PinnedBuffer<byte[]> lease = rentOutput(bytes);
            response.output("SCALED", "FP32", input.shape(), lease);   // the response owns it from here, also if this fails below
            scaled = lease.segment();
            if (cuda.present()) {
                cuda.roundTrip(values, scaled, bytes);
            } else {
                MemorySegment.copy(values, 0, scaled, 0, bytes);
            }
        }
        double sum = 0;
        for (long offset = 0; offset < bytes; offset += Float.BYTES) {
            float value = scaled.get(FLOAT, offset) * scale;
            scaled.set(FLOAT, offset, value);
            sum += value;
        }
        MemorySegment total = MemorySegment.ofArray(new byte[Float.BYTES]);
        total.set(FLOAT, 0, (float) sum);
        return response.output("SUM", "FP32", new long[] {1}, total).build();
    }

    private PinnedBuffer<byte[]> rentOutput(long bytes) {
        try {
            return tensors.rentWaiting((int) bytes);
        } catch (MemoryBudgetExceededException e) {
            throw new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, "no pinned memory for the " + bytes
                    + "-byte output of model '" + NAME + "' within pool 'tensors' max-wait: " + e.getMessage(), e);
        }
    }
}
