package dev.pinnedmemory.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import jcuda.Pointer;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CudaDevice#roundTripAsync} on a fake CUDA runtime, provoking what only a broken device
 * would: a call failing after a copy was queued. The stream must be drained before the device
 * memory is freed (issue 30, finding 10), and the staging lease must still end after its fence.
 */
class CudaDeviceRoundTripTests {

    /** Records every call in order; the named call answers {@code failing} instead of success. */
    private static final class RecordingCalls implements RoundTripCalls {
        final List<String> calls = new ArrayList<>();
        final String failAt;
        final CompletableFuture<Void> copy = new CompletableFuture<>();

        RecordingCalls(String failAt) {
            this.failAt = failAt;
        }

        private int answer(String call) {
            calls.add(call);
            return call.equals(failAt) ? 700 : 0;   // cudaErrorIllegalAddress: a sticky device error
        }

        @Override
        public int streamCreate(cudaStream_t stream) {
            return answer("cudaStreamCreate");
        }

        @Override
        public int malloc(Pointer device, long bytes) {
            return answer("cudaMalloc");
        }

        @Override
        public int memcpyAsync(Pointer destination, Pointer source, long bytes, int kind, cudaStream_t stream) {
            return answer(kind == cudaMemcpyKind.cudaMemcpyHostToDevice ? "cudaMemcpyAsync h2d" : "cudaMemcpyAsync d2h");
        }

        @Override
        public TransferFence fenceAfter(cudaStream_t stream) {
            calls.add("CudaFence.record");
            return TransferFence.of(copy);
        }

        @Override
        public int streamSynchronize(cudaStream_t stream) {
            copy.complete(null);
            return answer("cudaStreamSynchronize");
        }

        @Override
        public int free(Pointer device) {
            return answer("cudaFree");
        }

        @Override
        public int streamDestroy(cudaStream_t stream) {
            return answer("cudaStreamDestroy");
        }
    }

    @Test
    void aReadBackThatFailsToQueueShouldDrainTheStreamBeforeFreeingTheDeviceMemory() {
        RecordingCalls cuda = new RecordingCalls("cudaMemcpyAsync d2h");
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).name("round-trip").build()) {
            PinnedBuffer<byte[]> staging = pool.rent();
            try (PinnedBuffer<byte[]> readBack = pool.rent()) {
                assertThatThrownBy(() -> device(cuda).roundTripAsync(staging, readBack, 4096))
                        .isInstanceOf(CudaDevice.CudaException.class)
                        .hasMessage("cudaMemcpyAsync device to host failed: cudaErrorIllegalAddress (700)");
            }
            assertThat(cuda.calls).containsExactly("cudaStreamCreate", "cudaMalloc", "cudaMemcpyAsync h2d", "CudaFence.record",
                    "cudaMemcpyAsync d2h", "cudaStreamSynchronize", "cudaFree", "cudaStreamDestroy");
            assertThat(staging.isPinned()).as("the staging lease ended with closeAfter").isFalse();
        }
    }

    @Test
    void anUploadThatFailsToQueueShouldStillDrainTheStreamAndReleaseEverything() {
        RecordingCalls cuda = new RecordingCalls("cudaMemcpyAsync h2d");
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).name("round-trip").build();
             PinnedBuffer<byte[]> staging = pool.rent();
             PinnedBuffer<byte[]> readBack = pool.rent()) {
            assertThatThrownBy(() -> device(cuda).roundTripAsync(staging, readBack, 4096))
                    .isInstanceOf(CudaDevice.CudaException.class).hasMessageStartingWith("cudaMemcpyAsync host to device failed");
            assertThat(cuda.calls).containsExactly("cudaStreamCreate", "cudaMalloc", "cudaMemcpyAsync h2d",
                    "cudaStreamSynchronize", "cudaFree", "cudaStreamDestroy");
            assertThat(staging.isPinned()).as("no fence: the caller still holds the staging lease").isTrue();
        }
    }

    @Test
    void aRoundTripThatWorksShouldSynchronizeOnceAndFreeAfterIt() {
        RecordingCalls cuda = new RecordingCalls("none");
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).name("round-trip").build();
             PinnedBuffer<byte[]> readBack = pool.rent()) {
            assertThat(device(cuda).roundTripAsync(pool.rent(), readBack, 4096)).isNotNegative();
            assertThat(cuda.calls).containsExactly("cudaStreamCreate", "cudaMalloc", "cudaMemcpyAsync h2d", "CudaFence.record",
                    "cudaMemcpyAsync d2h", "cudaStreamSynchronize", "cudaFree", "cudaStreamDestroy");
        }
    }

    private static CudaDevice device(RoundTripCalls calls) {
        return new CudaDevice(new BackendSelection(PageLockingBackends.unlocked(),
                new BackendReport("unlocked", false, "auto", Map.of(), 1, "Fake GPU")), calls);
    }
}
