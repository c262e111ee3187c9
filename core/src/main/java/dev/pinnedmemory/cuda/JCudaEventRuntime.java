package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaStream_t;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link EventRuntime} on JCuda's runtime ({@code jcuda.runtime.JCuda}) and driver API
 * ({@code jcuda.driver.JCudaDriver}), with {@link CudaCalls} turning JCuda's exceptions (when a user
 * switched them on) back into codes. Contexts handed out by {@link #currentContext} are kept by
 * handle so that {@link #setCurrentContext} can pass JCuda the same object: a process has a few (one
 * primary context per device it uses). Thread-safe.
 */
final class JCudaEventRuntime implements EventRuntime {

    static final JCudaEventRuntime INSTANCE = new JCudaEventRuntime();

    private final Map<Long, ContextHandle> contexts = new ConcurrentHashMap<>();
    private volatile boolean driverInitialized;

    private JCudaEventRuntime() {
    }

    @Override
    public int currentDevice(int[] device) {
        return CudaCalls.call(() -> JCuda.cudaGetDevice(device));
    }

    @Override
    public int createEvent(cudaEvent_t event) {
        return CudaCalls.call(() -> JCuda.cudaEventCreateWithFlags(event, JCuda.cudaEventDisableTiming));
    }

    @Override
    public int recordEvent(cudaEvent_t event, cudaStream_t stream) {
        return CudaCalls.call(() -> JCuda.cudaEventRecord(event, stream));
    }

    @Override
    public int queryEvent(cudaEvent_t event) {
        return CudaCalls.call(() -> JCuda.cudaEventQuery(event));
    }

    @Override
    public int destroyEvent(cudaEvent_t event) {
        return CudaCalls.call(() -> JCuda.cudaEventDestroy(event));
    }

    /** @throws PinnedMemoryException when JCuda's driver library does not load (no {@code libcuda.so.1}) */
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
