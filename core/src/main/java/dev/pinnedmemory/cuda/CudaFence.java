package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.TransferFence;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaStream_t;

import java.util.Objects;
import java.util.concurrent.locks.StampedLock;

/**
 * A {@link TransferFence} backed by a CUDA event recorded on a stream: complete once the device
 * has run everything queued on that stream before {@link #record(cudaStream_t)}, such as a
 * {@code cudaMemcpyAsync} from a pinned buffer. Like PyTorch's caching host allocator, which
 * records an event per use and reuses a block only after it completed.
 *
 * {@snippet :
 * JCuda.cudaMemcpyAsync(device, CudaPointers.to(frame.segment()), frame.byteSize(),
 *         cudaMemcpyKind.cudaMemcpyHostToDevice, stream);
 * frame.closeAfter(CudaFence.record(stream));
 * }
 *
 * <p>Every CUDA call's return code is checked; a failure throws {@link PinnedMemoryException}
 * naming the call. The event is created with {@code cudaEventDisableTiming} (cheapest to record and
 * query). It is queried and destroyed, from whatever thread asks (the library's background thread
 * among them), with the CUDA context current at {@code record} time made current for the call and
 * the thread's own context (or none) put back after it: no device is ever selected, so no thread
 * makes a context of its own on device 0.
 *
 * <p>Ownership: the fence owns its event; {@link #close()} destroys it (once). Thread-safe:
 * {@link #isComplete()} may be called from any thread and never blocks; a query and the destroy
 * never overlap ({@code close()} waits for queries already running, which never block; a query
 * that meets a close in progress does not touch the event and answers as after the close).
 */
public final class CudaFence implements TransferFence {

    private final EventRuntime runtime;
    private final cudaEvent_t event;
    private final int device;
    private final long context;
    /** Queries hold it shared, {@code close()} exclusively: the event is never queried while it is destroyed. */
    private final StampedLock lock = new StampedLock();
    private volatile boolean closed;
    private volatile boolean complete;

    private CudaFence(EventRuntime runtime, cudaEvent_t event, int device, long context) {
        this.runtime = runtime;
        this.event = event;
        this.device = device;
        this.context = context;
    }

    /**
     * {@return a fence that completes when {@code stream} has run all the work queued on it so far}
     *
     * @param stream the stream the transfer was queued on; {@code new cudaStream_t()} (the null
     *     stream) stands for the legacy default stream
     * @throws PinnedMemoryException naming {@code cudaEventCreateWithFlags}, {@code cudaEventRecord}
     *     or {@code cuCtxGetCurrent} when the driver refuses; nothing is left allocated
     */
    public static CudaFence record(cudaStream_t stream) {
        return record(stream, JCudaEventRuntime.INSTANCE);
    }

    /** {@link #record(cudaStream_t)} through {@code runtime} (tests pass a fake). */
    static CudaFence record(cudaStream_t stream, EventRuntime runtime) {
        Objects.requireNonNull(stream, "stream");
        int[] device = new int[1];
        int code = runtime.currentDevice(device);
        if (code != EventRuntime.SUCCESS) {
            throw new PinnedMemoryException("CudaFence.record: cudaGetDevice failed: " + runtime.errorName(code), 0);
        }
        cudaEvent_t event = new cudaEvent_t();
        check(runtime, "cudaEventCreateWithFlags(cudaEventDisableTiming)", runtime.createEvent(event));
        long[] context = new long[1];
        try {
            check(runtime, "cudaEventRecord", runtime.recordEvent(event, stream));
            code = runtime.currentContext(context);
            if (code != EventRuntime.SUCCESS) {
                throw new PinnedMemoryException("CudaFence.record: cuCtxGetCurrent failed: " + runtime.driverErrorName(code), 0);
            }
        } catch (RuntimeException | Error e) {
            runtime.destroyEvent(event);
            throw e;
        }
        return new CudaFence(runtime, event, device[0], context[0]);
    }

    /**
     * {@return whether the work recorded before this fence is done} ({@code cudaEventQuery}:
     * {@code cudaSuccess} is done, {@code cudaErrorNotReady} is pending) Never blocks, also while
     * another thread closes the fence.
     *
     * @throws PinnedMemoryException naming {@code cudaEventQuery} for any other code
     * @throws IllegalStateException if the fence was closed (or is being closed) before it completed
     */
    @Override
    public boolean isComplete() {
        if (complete) {
            return true;
        }
        long stamp = lock.tryReadLock();
        if (stamp == 0) {
            throw closedEarly();   // a close holds the event: it is being destroyed
        }
        try {
            if (closed) {
                if (complete) {
                    return true;
                }
                throw closedEarly();
            }
            int code = CudaCalls.inContext(runtime, context, () -> runtime.queryEvent(event));
            if (code == EventRuntime.SUCCESS) {
                complete = true;
                return true;
            }
            if (code == EventRuntime.NOT_READY) {
                return false;
            }
            throw failure(runtime, "cudaEventQuery", code);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Destroys the event, once queries already running have returned (they never block); a second
     * call does nothing.
     *
     * @throws PinnedMemoryException naming {@code cudaEventDestroy} when the driver refuses
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        long stamp = lock.writeLock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            check(runtime, "cudaEventDestroy", CudaCalls.inContext(runtime, context, () -> runtime.destroyEvent(event)));
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public String toString() {
        return "CudaFence[device " + device + (complete ? ", complete" : "") + (closed ? ", closed" : "") + "]";
    }

    private static IllegalStateException closedEarly() {
        return new IllegalStateException("CudaFence was closed before it completed");
    }

    private static void check(EventRuntime runtime, String call, int code) {
        if (code != EventRuntime.SUCCESS) {
            throw failure(runtime, call, code);
        }
    }

    private static PinnedMemoryException failure(EventRuntime runtime, String call, int code) {
        return new PinnedMemoryException(call + " failed: " + runtime.errorName(code), 0);
    }
}
