package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * CUDA device 0 as the starter's backend selection found it, and the few transfers this service
 * makes with it. Every JCuda call sits behind {@link #present()}: without a driver or a device
 * nothing here touches CUDA.
 *
 * <p>Every CUDA return code is checked ({@link #check}); a failure is a {@link CudaException} naming
 * the call. Thread-safe: the CUDA runtime is, and each call allocates and frees its own device memory,
 * stream and events.
 */
@Component
class CudaDevice {

    private final BackendReport report;
    private final RoundTripCalls calls;

    @Autowired
    CudaDevice(BackendSelection selection) {
        this(selection, RoundTripCalls.JCUDA);
    }

    /** @param calls the CUDA calls {@link #roundTripAsync} makes (tests pass a fake) */
    CudaDevice(BackendSelection selection, RoundTripCalls calls) {
        this.report = selection.report();
        this.calls = calls;
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
     * Copies {@code bytes} from {@code staging} to the device and back into {@code readBack}, asynchronously
     * on a stream of its own, and hands {@code staging} back to its pool as soon as the upload is queued:
     * <ol>
     * <li>{@code cudaMemcpyAsync} host to device from {@code staging};</li>
     * <li>{@code staging.closeAfter(CudaFence.record(stream))}: the lease ends now, and the pool lends
     *     that memory out again only once the copy has read it;</li>
     * <li>{@code cudaMemcpyAsync} device to host into {@code readBack}, on the same stream, so after the upload;</li>
     * <li>{@code cudaStreamSynchronize}: {@code readBack} holds what the device holds.</li>
     * </ol>
     * The device memory is freed and the stream destroyed whatever happens; when a call fails after a
     * copy was queued, the stream is synchronized first, so that no queued copy still reads or writes
     * the device memory once it is freed, nor writes {@code readBack} once the caller has it back
     * ({@code cudaFree} does not promise to wait for the stream). The caller must not touch
     * {@code staging} after this returns (its lease has ended), and owns {@code readBack} as before.
     *
     * @return the microseconds from queueing the upload until the read-back is done, measured on the host
     * @throws CudaException naming the call and the CUDA error when one fails; if the fence could not be
     *     recorded, the stream is synchronized first, so {@code staging} is no longer read when the caller
     *     returns it
     */
    long roundTripAsync(PinnedBuffer<?> staging, PinnedBuffer<?> readBack, long bytes) {
        MemorySegment source = staging.segment();
        MemorySegment destination = readBack.segment();
        // The driver writes through raw addresses: check here what MemorySegment would check for Java code.
        if (bytes <= 0 || source.byteSize() < bytes || destination.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("roundTripAsync: " + bytes + " bytes between segments of "
                    + source.byteSize() + " and " + destination.byteSize() + " bytes");
        }
        cudaStream_t stream = new cudaStream_t();
        check("cudaStreamCreate", calls.streamCreate(stream));
        Pointer device = new Pointer();
        boolean allocated = false;
        boolean queued = false;
        boolean drained = false;
        RuntimeException failure = null;
        try {
            check("cudaMalloc(" + bytes + ")", calls.malloc(device, bytes));
            allocated = true;
            long start = System.nanoTime();
            queued = true;   // from here a failed call may leave a copy queued: the finally waits for the stream
            check("cudaMemcpyAsync host to device", calls.memcpyAsync(device, CudaPointers.to(source), bytes,
                    cudaMemcpyKind.cudaMemcpyHostToDevice, stream));
            staging.closeAfter(fenceAfter(stream));
            check("cudaMemcpyAsync device to host", calls.memcpyAsync(CudaPointers.to(destination), device, bytes,
                    cudaMemcpyKind.cudaMemcpyDeviceToHost, stream));
            check("cudaStreamSynchronize", calls.streamSynchronize(stream));
            drained = true;
            return (System.nanoTime() - start) / 1_000;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            if (queued && !drained) {
                // cudaFree does not promise to wait for queued work: a copy still running would write freed device
                // memory, or readBack after the caller returned it to its pool.
                failure = released("cudaStreamSynchronize", calls.streamSynchronize(stream), failure);
            }
            if (allocated) {
                failure = released("cudaFree", calls.free(device), failure);
            }
            failure = released("cudaStreamDestroy", calls.streamDestroy(stream), failure);
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * Copies {@code bytes} from {@code source} to the device and back into {@code destination} on a stream of
     * its own, and returns once both copies are done: both segments should be pinned memory (a pool lease of the
     * {@code cuda} backend), which the DMA engine reads and writes in place. Nothing is closed or handed back:
     * the caller owns both segments, and neither is touched by the device after this returns.
     *
     * @return the microseconds from queueing the upload until the read-back is done, measured on the host
     * @throws CudaException naming the call and the CUDA error when one fails
     */
    long roundTrip(MemorySegment source, MemorySegment destination, long bytes) {
        if (bytes <= 0 || source.byteSize() < bytes || destination.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("roundTrip: " + bytes + " bytes between segments of "
                    + source.byteSize() + " and " + destination.byteSize() + " bytes");
        }
        cudaStream_t stream = new cudaStream_t();
        check("cudaStreamCreate", JCuda.cudaStreamCreate(stream));
        Pointer device = new Pointer();
        boolean allocated = false;
        RuntimeException failure = null;
        try {
            check("cudaMalloc(" + bytes + ")", JCuda.cudaMalloc(device, bytes));
            allocated = true;
            long start = System.nanoTime();
            check("cudaMemcpyAsync host to device", JCuda.cudaMemcpyAsync(device, CudaPointers.to(source), bytes,
                    cudaMemcpyKind.cudaMemcpyHostToDevice, stream));
            check("cudaMemcpyAsync device to host", JCuda.cudaMemcpyAsync(CudaPointers.to(destination), device, bytes,
                    cudaMemcpyKind.cudaMemcpyDeviceToHost, stream));
            check("cudaStreamSynchronize", JCuda.cudaStreamSynchronize(stream));
            return (System.nanoTime() - start) / 1_000;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            if (allocated) {
                failure = released("cudaFree", JCuda.cudaFree(device), failure);
            }
            failure = released("cudaStreamDestroy", JCuda.cudaStreamDestroy(stream), failure);
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * {@return a fence for the work queued on {@code stream} so far} When recording fails there is no fence to
     * wait on: waits for the stream here instead, so that the buffer the caller then returns is no longer read.
     */
    private TransferFence fenceAfter(cudaStream_t stream) {
        try {
            return calls.fenceAfter(stream);
        } catch (RuntimeException e) {
            CudaException failure = new CudaException("CudaFence.record failed: " + e.getMessage(), e);
            throw released("cudaStreamSynchronize", calls.streamSynchronize(stream), failure);
        }
    }

    /**
     * Checks the result of a release call made in a {@code finally}: {@return {@code primary}, with a
     * failed release added as suppressed, or the failed release itself when there is no {@code primary}}
     */
    private static RuntimeException released(String call, int result, RuntimeException primary) {
        if (result == cudaError.cudaSuccess) {
            return primary;
        }
        CudaException failure = error(call, result);
        if (primary == null) {
            return failure;
        }
        primary.addSuppressed(failure);
        return primary;
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
        boolean streamCreated = false;
        boolean startCreated = false;
        boolean stopCreated = false;
        RuntimeException failure = null;
        try {
            check("cudaStreamCreate", JCuda.cudaStreamCreate(stream));
            streamCreated = true;
            check("cudaEventCreate", JCuda.cudaEventCreate(start));
            startCreated = true;
            check("cudaEventCreate", JCuda.cudaEventCreate(stop));
            stopCreated = true;
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
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            if (stopCreated) {
                failure = released("cudaEventDestroy", JCuda.cudaEventDestroy(stop), failure);
            }
            if (startCreated) {
                failure = released("cudaEventDestroy", JCuda.cudaEventDestroy(start), failure);
            }
            if (streamCreated) {
                failure = released("cudaStreamDestroy", JCuda.cudaStreamDestroy(stream), failure);
            }
            failure = released("cudaFree", JCuda.cudaFree(device), failure);
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static void copy(Pointer device, Pointer host, long bytes, boolean pinned, cudaStream_t stream) {
        int kind = cudaMemcpyKind.cudaMemcpyHostToDevice;
        check("cudaMemcpy host to device", pinned
                ? JCuda.cudaMemcpyAsync(device, host, bytes, kind, stream)
                : JCuda.cudaMemcpy(device, host, bytes, kind));
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code result} is {@code cudaSuccess}. */
    static void check(String call, int result) {
        if (result != cudaError.cudaSuccess) {
            throw error(call, result);
        }
    }

    private static CudaException error(String call, int result) {
        return new CudaException(call + " failed: " + cudaError.stringFor(result) + " (" + result + ")");
    }

    /** A CUDA call failed on a request that was itself fine: a server-side failure. */
    static final class CudaException extends RuntimeException {
        CudaException(String message) {
            super(message);
        }

        CudaException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
