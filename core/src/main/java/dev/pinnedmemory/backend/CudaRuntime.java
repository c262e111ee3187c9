package dev.pinnedmemory.backend;

import org.jspecify.annotations.Nullable;

/**
 * The CUDA calls the {@code cuda} backends make, one method per call, each answering the call's
 * return code: the seam between {@link CudaHost} (what the backends do with CUDA) and the driver.
 * {@link JCudaRuntime} calls JCuda; tests put a fake behind it to provoke what a machine without a GPU
 * cannot (a failure after an allocation, contexts of several devices, a free on another thread).
 *
 * <p>Runtime calls ({@code cuda*}) answer {@code cudaError} codes ({@link #errorName}); the two
 * context calls use the driver API ({@code cuCtxGetCurrent}, {@code cuCtxSetCurrent}) and answer
 * {@code CUresult} codes ({@link #driverErrorName}). Contexts are named by their handle, {@code 0}
 * for none. The driver API is only called after a runtime call found a device: its JCuda library
 * needs the driver's {@code libcuda.so.1}.
 *
 * @implSpec Implementations are thread-safe; the current context and device are per thread, as in CUDA.
 */
interface CudaRuntime {

    /** {@code cudaHostAllocPortable}: pinned for every context of the process. */
    int HOST_ALLOC_PORTABLE = 0x01;
    /** {@code cudaHostAllocWriteCombined}. */
    int HOST_ALLOC_WRITE_COMBINED = 0x04;
    /** {@code cudaHostRegisterPortable}. */
    int HOST_REGISTER_PORTABLE = 0x01;
    /** {@code cudaSuccess} and {@code CUDA_SUCCESS}. */
    int SUCCESS = 0;

    /** {@code cudaGetDeviceCount} into {@code count[0]}. */
    int deviceCount(int[] count);

    /** {@return device {@code device}'s name ({@code cudaGetDeviceProperties}), or null when the call fails} */
    @Nullable String deviceName(int device);

    /** {@code cudaGetDevice} into {@code device[0]}: the calling thread's device (0 where none was set). */
    int currentDevice(int[] device);

    /** {@return the PCI bus id of {@code device} ({@code cudaDeviceGetPCIBusId}), or null when the call fails} */
    @Nullable String pciBusId(int device);

    /**
     * {@code cudaHostAlloc} of {@code bytes} with {@code flags}; the address goes to {@code address[0]}.
     * JCuda wraps new memory in a direct {@code ByteBuffer} and so may throw after the allocation
     * succeeded (above {@code Integer.MAX_VALUE} bytes on JDK 21 and later): {@code address[0]}
     * then holds whatever address the allocation had, or 0.
     */
    int hostAlloc(long bytes, int flags, long[] address);

    /** {@code cudaFreeHost}, with whatever context is current on the calling thread. */
    int freeHost(long address);

    /** {@code cudaHostRegister} of {@code bytes} at {@code address} with {@code flags}. */
    int hostRegister(long address, long bytes, int flags);

    /** {@code cudaHostUnregister}, with whatever context is current on the calling thread. */
    int hostUnregister(long address);

    /** {@code cuCtxGetCurrent} into {@code context[0]}: the context bound to the calling thread, 0 for none. */
    int currentContext(long[] context);

    /** {@code cuCtxSetCurrent}: binds {@code context} to the calling thread; 0 unbinds whatever is bound (creates nothing). */
    int setCurrentContext(long context);

    /** {@return a runtime code's name and number, e.g. {@code cudaErrorInsufficientDriver (35)}} */
    String errorName(int code);

    /** {@return a driver code's name and number, e.g. {@code CUDA_ERROR_INVALID_CONTEXT (201)}} */
    String driverErrorName(int code);
}
