package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Models for the tests. */
public final class TestModels {

    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestModels() {
    }

    /** {@return metadata of one input and one output} */
    public static ModelMetadata metadata(String name, List<String> versions, TensorMetadata input, TensorMetadata output) {
        return new ModelMetadata(name, versions, "java", List.of(input), List.of(output));
    }

    /** A model answering with what its handler returns; remembers the last request. */
    public static final class Scripted implements InferenceModel {

        public interface Handler {
            InferenceResponse infer(InferenceRequest request) throws Exception;
        }

        private final ModelMetadata metadata;
        private final Handler handler;
        public final AtomicReference<InferenceRequest> last = new AtomicReference<>();
        public volatile boolean ready = true;

        public Scripted(ModelMetadata metadata, Handler handler) {
            this.metadata = metadata;
            this.handler = handler;
        }

        @Override
        public ModelMetadata metadata() {
            return metadata;
        }

        @Override
        public InferenceResponse infer(InferenceRequest request) throws Exception {
            last.set(request);
            return handler.infer(request);
        }

        @Override
        public boolean isReady() {
            return ready;
        }
    }

    /** {@return the sum of the FP32 elements of {@code data}} */
    public static float sum(MemorySegment data) {
        float sum = 0;
        for (long i = 0; i < data.byteSize(); i += 4) {
            sum += data.get(FLOAT, i);
        }
        return sum;
    }

    /** {@return a heap segment of the little-endian bytes of {@code values}} */
    public static MemorySegment floats(float... values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            segment.set(FLOAT, i * 4L, values[i]);
        }
        return segment;
    }
}
