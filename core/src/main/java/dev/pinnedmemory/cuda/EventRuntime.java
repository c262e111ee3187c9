package dev.pinnedmemory.cuda;

import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaStream_t;

/**
 * The CUDA calls {@link CudaFence} makes, one method per call, each answering the call's return
 * code: the seam between the fence and the driver. {@link JCudaEventRuntime} calls JCuda; tests put
 * a fake behind it to hold a query or a destroy in flight and race the other against it.
 *
 * <p>Runtime calls answer {@code cudaError} codes; the two context calls use the driver API
 * ({@code cuCtxGetCurrent}, {@code cuCtxSetCurrent}) and answer {@code CUresult} codes. Contexts are
 * named by their handle, 0 for none.
 *
 * @implSpec Implementations are thread-safe; the current context and device are per thread, as in CUDA.
 */
interface EventRuntime {

    /** {@code cudaSuccess} and {@code CUDA_SUCCESS}. */
    int SUCCESS = 0;
    /** {@code cudaErrorNotReady}: the work before the event has not finished. */
    int NOT_READY = 600;

    /** {@code cudaGetDevice} into {@code device[0]}. */
    int currentDevice(int[] device);

    /** {@code cudaEventCreateWithFlags(event, cudaEventDisableTiming)}. */
    int createEvent(cudaEvent_t event);

    /** {@code cudaEventRecord(event, stream)}. */
    int recordEvent(cudaEvent_t event, cudaStream_t stream);

    /** {@code cudaEventQuery(event)}: {@link #SUCCESS} when done, {@link #NOT_READY} while pending; never blocks. */
    int queryEvent(cudaEvent_t event);

    /** {@code cudaEventDestroy(event)}. */
    int destroyEvent(cudaEvent_t event);

    /** {@code cuCtxGetCurrent} into {@code context[0]}: the context bound to the calling thread, 0 for none. */
    int currentContext(long[] context);

    /** {@code cuCtxSetCurrent}: binds {@code context}; 0 unbinds whatever is bound (creates nothing). */
    int setCurrentContext(long context);

    /** {@return a runtime code's name and number, e.g. {@code cudaErrorInsufficientDriver (35)}} */
    String errorName(int code);

    /** {@return a driver code's name and number, e.g. {@code CUDA_ERROR_INVALID_CONTEXT (201)}} */
    String driverErrorName(int code);
}
