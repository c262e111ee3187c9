package dev.pinnedmemory.backend;

import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;


import org.jspecify.annotations.Nullable;

/**
 * The {@code cuda} backend's calls into {@code jcuda.runtime}: loaded only after JCuda is known to
 * be on the class path, so its absence never breaks start-up. Every return code is checked
 * (through {@link CudaCalls}) and a failure becomes a {@link BackendException} naming the call.
 * Stateless; thread-safe.
 */
final class CudaRuntime {

    /** Bytes of the host allocation the probe makes and frees. */
    static final long PROBE_BYTES = 4096;

    private CudaRuntime() {
    }

    /** What the driver said: the device count and device 0's name, or why CUDA is unusable. */
    record Probe(int deviceCount, @Nullable String deviceName, @Nullable String problem) {
    }

    /**
     * Asks the driver for its devices, then makes and frees a small portable host allocation, so a
     * driver that lists a device but cannot pin memory is found at start-up, not at the first rent.
     */
    static Probe probe() {
        int[] count = new int[1];
        int code = CudaCalls.call(() -> JCuda.cudaGetDeviceCount(count));
        if (code != cudaError.cudaSuccess) {
            return new Probe(-1, null, CudaCalls.errorName(code));
        }
        if (count[0] == 0) {
            return new Probe(0, null, "no CUDA device");
        }
        cudaDeviceProp properties = new cudaDeviceProp();
        String name = CudaCalls.call(() -> JCuda.cudaGetDeviceProperties(properties, 0)) == cudaError.cudaSuccess
                ? properties.getName() : null;
        try {
            long address = hostAlloc(PROBE_BYTES, JCuda.cudaHostAllocPortable);
            freeHost(address, CudaCalls.currentDevice());
        } catch (BackendException e) {
            return new Probe(count[0], name, "probe allocation failed: " + e.getMessage());
        }
        return new Probe(count[0], name, null);
    }

    /**
     * {@return the address of {@code bytes} of page-locked host memory}
     *
     * @param flags {@code cudaHostAllocPortable}, optionally or-ed with {@code cudaHostAllocWriteCombined}
     */
    static long hostAlloc(long bytes, int flags) {
        HostPointer pointer = HostPointer.empty();
        int code = CudaCalls.call(() -> JCuda.cudaHostAlloc(pointer, bytes, flags));
        if (code != cudaError.cudaSuccess) {
            throw new BackendException("cudaHostAlloc of " + Sizes.bytes(bytes) + " failed: " + CudaCalls.errorName(code), bytes);
        }
        return pointer.address();
    }

    /**
     * Frees host memory with {@code device}, the device current when it was allocated, current:
     * the library's reclaimer thread frees too, and must not create a context on device 0 for an
     * application that uses another one.
     *
     * @throws BackendException naming {@code cudaFreeHost} when the driver refuses
     */
    static void freeHost(long address, int device) {
        int code = CudaCalls.onDevice(device, () -> JCuda.cudaFreeHost(HostPointer.at(address)));
        if (code != cudaError.cudaSuccess) {
            throw new BackendException("cudaFreeHost on device " + device + " failed: " + CudaCalls.errorName(code), 0);
        }
    }

    /**
     * Registers {@code bytes} at {@code address} with the driver ({@code cudaHostRegister} with
     * {@code cudaHostRegisterPortable}): the pages are pinned and every device and context of the
     * process may copy from them by DMA.
     *
     * @throws BackendException naming {@code cudaHostRegister}, the size and the CUDA error
     */
    static void hostRegister(long address, long bytes) {
        int code = CudaCalls.call(() -> JCuda.cudaHostRegister(HostPointer.at(address), bytes,
                JCuda.cudaHostRegisterPortable));
        if (code != cudaError.cudaSuccess) {
            throw new BackendException("cudaHostRegister of " + Sizes.bytes(bytes) + " refused: " + CudaCalls.errorName(code),
                    bytes);
        }
    }

    /**
     * {@return the code of {@code cudaHostUnregister} of memory registered while {@code device} was
     * current, called with that device current}
     */
    static int hostUnregister(long address, int device) {
        return CudaCalls.onDevice(device, () -> JCuda.cudaHostUnregister(HostPointer.at(address)));
    }

    /** {@return the code of {@code cudaHostUnregister} called with whatever device is current} */
    static int hostUnregisterHere(long address) {
        return CudaCalls.call(() -> JCuda.cudaHostUnregister(HostPointer.at(address)));
    }

    /** {@return the PCI bus id of the calling thread's current device, e.g. {@code 0000:3b:00.0}, or null with no device} */
    static @Nullable String currentDevicePciBusId() {
        int[] device = new int[1];
        if (CudaCalls.call(() -> JCuda.cudaGetDevice(device)) != cudaError.cudaSuccess) {
            return null;
        }
        String[] id = new String[1];
        int code = CudaCalls.call(() -> JCuda.cudaDeviceGetPCIBusId(id, 64, device[0]));
        return code == cudaError.cudaSuccess && id[0] != null ? id[0].trim() : null;
    }
}
