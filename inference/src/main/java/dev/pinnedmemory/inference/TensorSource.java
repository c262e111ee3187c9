package dev.pinnedmemory.inference;

import java.io.IOException;

/**
 * Where one input tensor's bytes come from: the seam between a transport and the rules. A REST body's
 * binary part, the numbers of its JSON, a gRPC message's raw or typed contents are each a source; the
 * request rents the lease, hands it to the source as a {@link TensorSink}, and then checks that exactly
 * the tensor's bytes arrived. A source never rents, keeps or ends the lease.
 *
 * {@snippet :
 * DeclaredInput input = call.declareInput("INPUT0", "FP32", new long[] {2, 2}, Map.of(), 16);
 * call.receive(input, TensorSources.of(channel));      // 16 bytes from the channel into a pinned lease
 * }
 *
 * <p>Sources are used once, on the thread that receives the input.
 */
@FunctionalInterface
public interface TensorSource {

    /**
     * Writes the tensor into {@code sink}: its bytes straight into {@link TensorSink#remaining()} (then
     * {@link TensorSink#advance}), or element by element through its {@code append} methods.
     *
     * @throws java.io.EOFException when the data ended before the tensor did (the request answers 400 naming the sizes)
     * @throws IOException when reading failed (the client went away): the request is aborted
     * @throws InferenceException when the data is not what the protocol allows (a value out of range)
     */
    void fill(TensorSink sink) throws IOException;
}
