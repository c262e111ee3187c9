package dev.pinnedmemory.sample;

import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.cuda.CudaFence;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaStream_t;

/**
 * The CUDA runtime calls of {@link CudaDevice#roundTripAsync}, one method per call, each answering
 * the call's return code: {@link #JCUDA} in the service; tests put a fake behind it to fail a call
 * after a copy was queued, which only a broken device would do. Implementations are thread-safe.
 */
interface RoundTripCalls {

    /** JCuda's runtime, and {@link CudaFence} for the fence. */
    RoundTripCalls JCUDA = new RoundTripCalls() {
        @Override
        public int streamCreate(cudaStream_t stream) {
            return JCuda.cudaStreamCreate(stream);
        }

        @Override
        public int malloc(Pointer device, long bytes) {
            return JCuda.cudaMalloc(device, bytes);
        }

        @Override
        public int memcpyAsync(Pointer destination, Pointer source, long bytes, int kind, cudaStream_t stream) {
            return JCuda.cudaMemcpyAsync(destination, source, bytes, kind, stream);
        }

        @Override
        public TransferFence fenceAfter(cudaStream_t stream) {
            return CudaFence.record(stream);
        }

        @Override
        public int streamSynchronize(cudaStream_t stream) {
            return JCuda.cudaStreamSynchronize(stream);
        }

        @Override
        public int free(Pointer device) {
            return JCuda.cudaFree(device);
        }

        @Override
        public int streamDestroy(cudaStream_t stream) {
            return JCuda.cudaStreamDestroy(stream);
        }
    };

    /** {@code cudaStreamCreate}. */
    int streamCreate(cudaStream_t stream);

    /** {@code cudaMalloc}. */
    int malloc(Pointer device, long bytes);

    /** {@code cudaMemcpyAsync}. */
    int memcpyAsync(Pointer destination, Pointer source, long bytes, int kind, cudaStream_t stream);

    /** {@return a fence for the work queued on {@code stream} so far ({@code CudaFence.record})} */
    TransferFence fenceAfter(cudaStream_t stream);

    /** {@code cudaStreamSynchronize}. */
    int streamSynchronize(cudaStream_t stream);

    /** {@code cudaFree}. */
    int free(Pointer device);

    /** {@code cudaStreamDestroy}. */
    int streamDestroy(cudaStream_t stream);
}
