package dev.pinnedmemory;

import java.util.Objects;
import java.util.concurrent.Future;

/**
 * Completes when an asynchronous transfer no longer reads or writes its host memory: a CUDA event
 * recorded on the stream after {@code cudaMemcpyAsync} ({@link dev.pinnedmemory.cuda.CudaFence}),
 * or any {@link Future} ({@link #of(Future)}). Hand one to {@link PinnedBuffer#closeAfter}: the
 * buffer's memory is then neither rented out, cleared nor freed until {@link #isComplete()} says
 * true.
 *
 * {@snippet :
 * JCuda.cudaMemcpyAsync(device, CudaPointers.to(frame.segment()), frame.byteSize(), cudaMemcpyHostToDevice, stream);
 * frame.closeAfter(CudaFence.record(stream));   // returns at once; the pool reuses the memory once the copy is done
 * }
 *
 * <p>Ownership: {@code closeAfter} takes the fence; the library closes it exactly once, after it
 * completed (or at once, when it was complete already).
 *
 * @implSpec Implementations are thread-safe: {@link #isComplete()} is called from renters,
 *     returners and the library's reclaimer thread, and must never block. A fence that throws from
 *     {@code isComplete()} is not complete: its memory stays held and the error is logged.
 */
public interface TransferFence extends AutoCloseable {

    /** {@return whether the transfer is done with the memory} Never blocks. */
    boolean isComplete();

    /** Releases what the fence holds (a CUDA event, say); called once, after completion. The default does nothing. */
    @Override
    default void close() {
    }

    /**
     * {@return a fence that completes when {@code future} is done} (completed normally, exceptionally,
     * or cancelled). Only use a future that is done when the transfer no longer touches the memory.
     *
     * @throws NullPointerException if {@code future} is null
     */
    static TransferFence of(Future<?> future) {
        Objects.requireNonNull(future, "future");
        return future::isDone;
    }
}
