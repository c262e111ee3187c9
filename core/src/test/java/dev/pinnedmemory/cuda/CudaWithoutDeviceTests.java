package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackends;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The CUDA code paths that run everywhere: without a driver every call's code is checked and
 * named, also with JCuda's exceptions switched on. (On a GPU machine these are skipped; the
 * {@code gpu} tests cover the same paths with a device.)
 */
class CudaWithoutDeviceTests {

    private static boolean deviceHere() {
        return PageLockingBackends.select(BackendKind.AUTO, false).report().name().equals("cuda");
    }

    @Test
    void recordingAFenceWithoutADriverShouldThrowNamingTheCallAndTheError() {
        assumeFalse(deviceHere(), "a CUDA device is present");
        assertThatThrownBy(() -> CudaFence.record(new cudaStream_t())).isInstanceOf(PinnedMemoryException.class)
                .hasMessageContaining("CudaFence.record: cudaGetDevice failed: cudaError");
    }

    @Test
    void callsShouldReportTheSameCodeWhetherJCudaThrowsOrNot() {
        assumeFalse(deviceHere(), "a CUDA device is present");
        int[] count = new int[1];
        int quiet = CudaCalls.call(() -> JCuda.cudaGetDeviceCount(count));
        JCuda.setExceptionsEnabled(true);
        try {
            assertThat(CudaCalls.call(() -> JCuda.cudaGetDeviceCount(count))).isEqualTo(quiet);
        } finally {
            JCuda.setExceptionsEnabled(false);
        }
        assertThat(quiet).isNotEqualTo(cudaError.cudaSuccess);
        assertThat(CudaCalls.errorName(quiet)).endsWith("(" + quiet + ")").startsWith("cudaError");
        assertThat(CudaCalls.driverErrorName(201)).isEqualTo("CUDA_ERROR_INVALID_CONTEXT (201)");
    }
}
