package dev.pinnedmemory.backend;

import jcuda.driver.CUcontext;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * JCuda's runtime ({@code jcuda.runtime.JCuda}) and driver API ({@code jcuda.driver.JCudaDriver}),
 * with {@link CudaCalls#call} turning JCuda's exceptions (when a user switched them on) back into
 * codes. Contexts handed out by {@link #currentContext} are kept by handle so that
 * {@link #setCurrentContext} can pass JCuda the same object: a process has a few (one primary
 * context per device it uses). Thread-safe.
 */
final class JCudaRuntime implements CudaRuntime {

    private final Map<Long, ContextHandle> contexts = new ConcurrentHashMap<>();
    private volatile boolean driverInitialized;

    JCudaRuntime() {
    }

    @Override
    public int deviceCount(int[] count) {
        return CudaCalls.call(() -> JCuda.cudaGetDeviceCount(count));
    }

    @Override
    public @Nullable String deviceName(int device) {
        cudaDeviceProp properties = new cudaDeviceProp();
        return CudaCalls.call(() -> JCuda.cudaGetDeviceProperties(properties, device)) == cudaError.cudaSuccess
                ? properties.getName() : null;
    }

    @Override
    public int currentDevice(int[] device) {
        return CudaCalls.call(() -> JCuda.cudaGetDevice(device));
    }

    @Override
    public @Nullable String pciBusId(int device) {
        String[] id = new String[1];
        int code = CudaCalls.call(() -> JCuda.cudaDeviceGetPCIBusId(id, 64, device));
        return code == cudaError.cudaSuccess && id[0] != null ? id[0].trim() : null;
    }

    @Override
    public int hostAlloc(long bytes, int flags, long[] address) {
        HostPointer pointer = HostPointer.empty();
        try {
            return CudaCalls.call(() -> JCuda.cudaHostAlloc(pointer, bytes, flags));
        } finally {
            // JCuda's native code stores the address after making the ByteBuffer that may have thrown.
            address[0] = pointer.address();
        }
    }

    @Override
    public int freeHost(long address) {
        return CudaCalls.call(() -> JCuda.cudaFreeHost(HostPointer.at(address)));
    }

    @Override
    public int hostRegister(long address, long bytes, int flags) {
        return CudaCalls.call(() -> JCuda.cudaHostRegister(HostPointer.at(address), bytes, flags));
    }

    @Override
    public int hostUnregister(long address) {
        return CudaCalls.call(() -> JCuda.cudaHostUnregister(HostPointer.at(address)));
    }

    /** @throws BackendException when JCuda's driver library does not load (no {@code libcuda.so.1}) */
    @Override
    public int currentContext(long[] context) {
        if (!driverInitialized) {
            // The runtime has initialised the driver by now (a device was found through it); cuInit is idempotent.
            CudaCalls.driverCall(() -> JCudaDriver.cuInit(0));
            driverInitialized = true;
        }
        ContextHandle handle = new ContextHandle();
        int code = CudaCalls.driverCall(() -> JCudaDriver.cuCtxGetCurrent(handle));
        context[0] = code == CUresult.CUDA_SUCCESS ? handle.handle() : 0;
        if (context[0] != 0) {
            contexts.putIfAbsent(context[0], handle);
        }
        return code;
    }

    @Override
    public int setCurrentContext(long context) {
        CUcontext handle = context == 0 ? new CUcontext() : contexts.get(context);
        if (handle == null) {
            return CUresult.CUDA_ERROR_INVALID_CONTEXT;   // never handed out by currentContext
        }
        return CudaCalls.driverCall(() -> JCudaDriver.cuCtxSetCurrent(handle));
    }

    @Override
    public String errorName(int code) {
        return CudaCalls.errorName(code);
    }

    @Override
    public String driverErrorName(int code) {
        return CudaCalls.driverErrorName(code);
    }

    /** A {@link CUcontext} whose handle can be read: JCuda keeps it in a protected field. */
    private static final class ContextHandle extends CUcontext {
        long handle() {
            return getNativePointer();
        }
    }
}
