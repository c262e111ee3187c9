package dev.pinnedmemory.backend;

import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The backends' JCuda call helpers without a driver: every call's code is checked and named, also
 * with JCuda's exceptions switched on. (On a GPU machine these are skipped; the {@code gpu} tests
 * run the same calls with a device.)
 */
class CudaCallsTests {

    private static boolean deviceHere() {
        return PageLockingBackends.select(BackendKind.AUTO, false).report().name().equals("cuda");
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
        assertThat(CudaCalls.onDevice(0, () -> JCuda.cudaDeviceSynchronize())).isNotEqualTo(cudaError.cudaSuccess);
    }

    @Test
    void currentDeviceWithoutADriverShouldThrowNamingTheCallAndTheError() {
        assumeFalse(deviceHere(), "a CUDA device is present");
        assertThatThrownBy(CudaCalls::currentDevice).isInstanceOf(BackendException.class)
                .hasMessageStartingWith("cudaGetDevice failed: cudaError");
    }
}
