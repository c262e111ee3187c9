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
        assertThat(CudaCalls.driverErrorName(201)).isEqualTo("CUDA_ERROR_INVALID_CONTEXT (201)");
    }

    @Test
    void theDriverApiWithoutTheDriversLibraryShouldThrowNamingWhatDidNotLoad() {
        assumeFalse(deviceHere(), "a CUDA device is present");
        assumeFalse(libcudaLoads(), "libcuda.so.1 is installed");
        assertThatThrownBy(() -> new JCudaRuntime().currentContext(new long[1])).isInstanceOf(BackendException.class)
                .hasMessageStartingWith("JCuda's driver API did not load: ");
        int[] device = new int[1];
        assertThat(new JCudaRuntime().currentDevice(device)).isNotEqualTo(cudaError.cudaSuccess);
    }

    @Test
    void theFlagsTheSeamNamesShouldBeJCudasValues() {
        assertThat(CudaRuntime.HOST_ALLOC_PORTABLE).isEqualTo(JCuda.cudaHostAllocPortable);
        assertThat(CudaRuntime.HOST_ALLOC_WRITE_COMBINED).isEqualTo(JCuda.cudaHostAllocWriteCombined);
        assertThat(CudaRuntime.HOST_REGISTER_PORTABLE).isEqualTo(JCuda.cudaHostRegisterPortable);
        assertThat(CudaRuntime.SUCCESS).isEqualTo(cudaError.cudaSuccess).isEqualTo(jcuda.driver.CUresult.CUDA_SUCCESS);
    }

    private static boolean libcudaLoads() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.SymbolLookup.libraryLookup("libcuda.so.1", arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
