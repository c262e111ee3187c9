package dev.pinnedmemory.backend;

import dev.pinnedmemory.PinnedMemoryException;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;

/**
 * The only class that touches {@code jcuda.runtime}: loaded only after JCuda is known to be on
 * the class path, so its absence never breaks start-up. Stateless; thread-safe.
 */
final class CudaRuntime {

    private CudaRuntime() {
    }

    /** What the driver said: the device count and device 0's name, or why CUDA is unusable. */
    record Probe(int deviceCount, String deviceName, String problem) {
    }

    /**
     * Asks the driver. JCuda's process-wide exception switch is left as the application set it:
     * with exceptions on, a failing call throws {@code jcuda.CudaException}, which every caller here
     * turns into a reason or a {@link PinnedMemoryException} like an error code.
     */
    static Probe probe() {
        int[] count = new int[1];
        int rc = JCuda.cudaGetDeviceCount(count);
        if (rc != 0) {
            return new Probe(-1, null, errorName(rc));
        }
        if (count[0] == 0) {
            return new Probe(0, null, "no CUDA device");
        }
        cudaDeviceProp properties = new cudaDeviceProp();
        String name = JCuda.cudaGetDeviceProperties(properties, 0) == 0 ? properties.getName() : null;
        return new Probe(count[0], name, null);
    }

    static long hostAlloc(long bytes) {
        CudaPointers pointer = CudaPointers.empty();
        int rc = JCuda.cudaHostAlloc(pointer, bytes, JCuda.cudaHostAllocPortable);
        if (rc != 0) {
            throw new PinnedMemoryException("cudaHostAlloc of " + Sizes.bytes(bytes) + " failed: " + errorName(rc), bytes);
        }
        return pointer.address();
    }

    static void freeHost(long address) {
        JCuda.cudaFreeHost(CudaPointers.to(java.lang.foreign.MemorySegment.ofAddress(address)));
    }

    static String errorName(int rc) {
        String name;
        try {
            name = jcuda.runtime.cudaError.stringFor(rc);
        } catch (RuntimeException e) {
            name = "cudaError";
        }
        return name + " (" + rc + ")";
    }
}
