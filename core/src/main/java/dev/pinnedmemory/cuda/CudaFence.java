package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.TransferFence;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaStream_t;

import java.util.concurrent.atomic.AtomicBoolean;

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
 * query) and queried and destroyed with the device current at {@code record} time, from whatever
 * thread asks, so no other device gets a context.
 *
 * <p>Ownership: the fence owns its event; {@link #close()} destroys it (once). Thread-safe:
 * {@link #isComplete()} may be called from any thread and never blocks.
 */
public final class CudaFence implements TransferFence {

    private final cudaEvent_t event;
    private final int device;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean complete;

    private CudaFence(cudaEvent_t event, int device) {
        this.event = event;
        this.device = device;
    }

    /**
     * {@return a fence that completes when {@code stream} has run all the work queued on it so far}
     *
     * @param stream the stream the transfer was queued on; {@code new cudaStream_t()} (the null
     *     stream) stands for the legacy default stream
     * @throws PinnedMemoryException naming {@code cudaEventCreateWithFlags} or {@code cudaEventRecord}
     *     when the driver refuses; nothing is left allocated
     */
    public static CudaFence record(cudaStream_t stream) {
        java.util.Objects.requireNonNull(stream, "stream");
        int device;
        try {
            device = CudaCalls.currentDevice();
        } catch (PinnedMemoryException e) {
            throw new PinnedMemoryException("CudaFence.record: " + e.getMessage(), 0, e);
        }
        cudaEvent_t event = new cudaEvent_t();
        check("cudaEventCreateWithFlags(cudaEventDisableTiming)",
                CudaCalls.call(() -> JCuda.cudaEventCreateWithFlags(event, JCuda.cudaEventDisableTiming)));
        int recorded = CudaCalls.call(() -> JCuda.cudaEventRecord(event, stream));
        if (recorded != cudaError.cudaSuccess) {
            CudaCalls.call(() -> JCuda.cudaEventDestroy(event));
            check("cudaEventRecord", recorded);
        }
        return new CudaFence(event, device);
    }

    /**
     * {@return whether the work recorded before this fence is done} ({@code cudaEventQuery}:
     * {@code cudaSuccess} is done, {@code cudaErrorNotReady} is pending)
     *
     * @throws PinnedMemoryException naming {@code cudaEventQuery} for any other code
     * @throws IllegalStateException if the fence was closed before it completed
     */
    @Override
    public boolean isComplete() {
        if (complete) {
            return true;
        }
        if (closed.get()) {
            throw new IllegalStateException("CudaFence was closed before it completed");
        }
        int code = CudaCalls.onDevice(device, () -> JCuda.cudaEventQuery(event));
        if (code == cudaError.cudaSuccess) {
            complete = true;
            return true;
        }
        if (code == cudaError.cudaErrorNotReady) {
            return false;
        }
        throw failure("cudaEventQuery", code);
    }

    /**
     * Destroys the event; a second call does nothing.
     *
     * @throws PinnedMemoryException naming {@code cudaEventDestroy} when the driver refuses
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            check("cudaEventDestroy", CudaCalls.onDevice(device, () -> JCuda.cudaEventDestroy(event)));
        }
    }

    @Override
    public String toString() {
        return "CudaFence[device " + device + (complete ? ", complete" : "") + (closed.get() ? ", closed" : "") + "]";
    }

    private static void check(String call, int code) {
        if (code != cudaError.cudaSuccess) {
            throw failure(call, code);
        }
    }

    private static PinnedMemoryException failure(String call, int code) {
        return new PinnedMemoryException(call + " failed: " + CudaCalls.errorName(code), 0);
    }
}
