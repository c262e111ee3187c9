package dev.pinnedmemory.inference;

/**
 * A model served over the Open Inference Protocol: with the Spring Boot starter, every bean of this
 * type is one model (or, with several {@linkplain ModelMetadata#versions() versions}, several).
 *
 * {@snippet :
 * @Component
 * class ScaleModel implements InferenceModel {
 *     public ModelMetadata metadata() {
 *         return new ModelMetadata("scale", List.of("1"), "java",
 *                 List.of(new TensorMetadata("INPUT", "FP32", List.of(-1L))),
 *                 List.of(new TensorMetadata("OUTPUT", "FP32", List.of(-1L))));
 *     }
 *     public InferenceResponse infer(InferenceRequest request) {
 *         InferenceTensor input = request.input("INPUT");     // its bytes are a pinned lease, little-endian
 *         PinnedBuffer<byte[]> out = pool.rent((int) input.data().byteSize());
 *         ...                                                 // write the output into out.segment()
 *         return InferenceResponse.builder().output("OUTPUT", "FP32", input.shape(), out).build();
 *     }
 * }
 * }
 *
 * <p>Ownership: the server owns the request's inputs; they are valid until the response has been
 * written, so a model may hand an input's {@code data()} back as an output, or to
 * {@code cudaMemcpyAsync} (ending nothing itself: the server ends the leases). Leases the model puts
 * into its response belong to the response from then on.
 *
 * <p>Thread-safety: {@link #infer} is called from many request threads at once; a model that is not
 * thread-safe must serialise itself. {@link #metadata()} is read once, when the server starts.
 */
public interface InferenceModel {

    /** {@return the model's name, versions, platform and tensors} Read once, when the server is built. */
    ModelMetadata metadata();

    /**
     * Runs the model on one request, whose inputs were checked against {@link #metadata()} (names,
     * datatypes, shapes and sizes) before this is called.
     *
     * @return the outputs; the server checks and writes them, then ends every lease the response holds
     * @throws Exception anything the model fails with: the client gets a 500 (gRPC {@code INTERNAL}) with
     *     its message; the stack trace goes to the log only
     */
    InferenceResponse infer(InferenceRequest request) throws Exception;

    /** {@return whether the model can serve requests now} Asked per request and by the health probes. */
    default boolean isReady() {
        return true;
    }
}
