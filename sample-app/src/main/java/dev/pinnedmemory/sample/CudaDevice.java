package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;

import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;

import org.springframework.stereotype.Component;

/**
 * CUDA device 0 as the starter's backend selection found it, and the few transfers this service
 * makes with it. Every JCuda call sits behind {@link #present()}: without a driver or a device
 * nothing here touches CUDA.
 *
 * <p>Thread-safe: the CUDA runtime is, and each call allocates and frees its own device memory,
 * stream and events.
 */
@Component
class CudaDevice {

    private final BackendReport report;

    CudaDevice(BackendSelection selection) {
        this.report = selection.report();
    }

    /** {@return whether a CUDA device was found at start-up} */
    boolean present() {
        return report.cudaDeviceCount() > 0;
    }

    /** {@return device 0's name, or {@code null} without a device} */
    String name() {
        return present() ? report.cudaDeviceName() : null;
    }

    /** {@return why there is no device, in the words of backend selection} */
    String absenceReason() {
        String cuda = report.skipped().get("cuda");
        if (cuda != null) {
            return cuda;
        }
        return report.cudaDeviceCount() == 0 ? "no CUDA device"
                : "CUDA was not probed (pinned-memory.backend=" + report.requested() + ")";
    }

    /**
     * Copies {@code bytes} from {@code source} to the device and back into {@code destination}.
     *
     * @return the microseconds both copies took, measured on the host around synchronous copies
     * @throws CudaException naming the call and the CUDA error when one fails
     */
    long roundTrip(MemorySegment source, MemorySegment destination, long bytes) {
        // The driver writes through raw addresses: check here what MemorySegment would check for Java code.
        if (bytes <= 0 || source.byteSize() < bytes || destination.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("roundTrip: " + bytes + " bytes between segments of "
                    + source.byteSize() + " and " + destination.byteSize() + " bytes");
        }
        Pointer device = new Pointer();
        check("cudaMalloc(" + bytes + ")", JCuda.cudaMalloc(device, bytes));
        try {
            long start = System.nanoTime();
            check("cudaMemcpy host to device", JCuda.cudaMemcpy(device, CudaPointers.to(source), bytes,
                    cudaMemcpyKind.cudaMemcpyHostToDevice));
            check("cudaMemcpy device to host", JCuda.cudaMemcpy(CudaPointers.to(destination), device, bytes,
                    cudaMemcpyKind.cudaMemcpyDeviceToHost));
            return (System.nanoTime() - start) / 1_000;
        } finally {
            JCuda.cudaFree(device);
        }
    }

    /**
     * Measures host-to-device bandwidth as NVIDIA's {@code bandwidthTest} does: one warm-up copy,
     * then {@code iterations} copies between two CUDA events on one stream; asynchronous copies for
     * pinned memory, synchronous ones for pageable memory (which the driver stages anyway).
     *
     * @param host the source: pinned memory, or a JCuda pointer to a Java array
     * @return gigabytes (10^9 bytes) per second
     * @throws CudaException naming the call and the CUDA error when one fails
     */
    double hostToDeviceGigabytesPerSecond(Pointer host, long bytes, int iterations, boolean pinned) {
        if (bytes <= 0 || iterations <= 0) {
            throw new IllegalArgumentException("bytes: " + bytes + ", iterations: " + iterations + " (expected: > 0)");
        }
        Pointer device = new Pointer();
        cudaStream_t stream = new cudaStream_t();
        cudaEvent_t start = new cudaEvent_t();
        cudaEvent_t stop = new cudaEvent_t();
        check("cudaMalloc(" + bytes + ")", JCuda.cudaMalloc(device, bytes));
        try {
            check("cudaStreamCreate", JCuda.cudaStreamCreate(stream));
            check("cudaEventCreate", JCuda.cudaEventCreate(start));
            check("cudaEventCreate", JCuda.cudaEventCreate(stop));
            copy(device, host, bytes, pinned, stream);
            check("cudaStreamSynchronize", JCuda.cudaStreamSynchronize(stream));
            check("cudaEventRecord", JCuda.cudaEventRecord(start, stream));
            for (int i = 0; i < iterations; i++) {
                copy(device, host, bytes, pinned, stream);
            }
            check("cudaEventRecord", JCuda.cudaEventRecord(stop, stream));
            check("cudaEventSynchronize", JCuda.cudaEventSynchronize(stop));
            float[] milliseconds = new float[1];
            check("cudaEventElapsedTime", JCuda.cudaEventElapsedTime(milliseconds, start, stop));
            return (double) bytes * iterations / (milliseconds[0] / 1e3) / 1e9;
        } finally {
            JCuda.cudaEventDestroy(stop);
            JCuda.cudaEventDestroy(start);
            JCuda.cudaStreamDestroy(stream);
            JCuda.cudaFree(device);
        }
    }

    private static void copy(Pointer device, Pointer host, long bytes, boolean pinned, cudaStream_t stream) {
        int kind = cudaMemcpyKind.cudaMemcpyHostToDevice;
        check("cudaMemcpy host to device", pinned
                ? JCuda.cudaMemcpyAsync(device, host, bytes, kind, stream)
                : JCuda.cudaMemcpy(device, host, bytes, kind));
    }

    private static void check(String call, int result) {
        if (result != cudaError.cudaSuccess) {
            throw new CudaException(call + " failed: " + cudaError.stringFor(result) + " (" + result + ")");
        }
    }

    /** A CUDA call failed on a request that was itself fine: a server-side failure. */
    static final class CudaException extends RuntimeException {
        CudaException(String message) {
            super(message);
        }
    }
}
