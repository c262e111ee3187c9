package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.PageLockingBackends;

/**
 * Says whether {@link CudaBandwidthBenchmark} can run on this machine, for {@code gpu-check.sh}:
 * prints the CUDA devices and exits 0, or prints the benchmark's skip reason (no driver, no device,
 * ...) and exits {@value #NO_DEVICE}.
 *
 * {@snippet lang = "shell" :
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.pinnedmemory.benchmarks.CudaProbe
 * }
 */
public final class CudaProbe {

    /** The exit status when there is no usable CUDA device: {@value}. */
    public static final int NO_DEVICE = 3;

    private CudaProbe() {
    }

    public static void main(String[] args) {
        try {
            CudaBandwidthBenchmark.cudaBackendOrSkip();
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
            System.exit(NO_DEVICE);
        }
        BackendReport report = PageLockingBackends.select(BackendKind.CUDA, true).report();
        System.out.println("CUDA device usable: " + report.cudaDeviceCount() + " device(s), device 0: "
                + report.cudaDeviceName() + " (backend " + report.summary() + ")");
    }
}
