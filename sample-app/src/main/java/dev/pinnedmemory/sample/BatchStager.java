package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Stages float32 batches for the GPU: checks a batch that {@code @PinnedBody} received into a pinned
 * buffer from the {@code frames} pool, and copies it to the CUDA device and back when there is one.
 *
 * <p>Ownership: the request owns the staging lease and ends it when it completes. With a device, this
 * ends it earlier with {@link PinnedBuffer#closeAfter}: the pool lends that memory out again only once
 * the asynchronous copy from it is done (the request's own end is then a no-op). The read-back buffer
 * is rented here, waiting up to the pool's {@code max-wait}, and goes back before {@link #stage} returns.
 *
 * <p>Thread-safe: each call works on its own buffers.
 */
@Service
class BatchStager {

    static final String POOL = "frames";

    private final PinnedMemoryPool<float[]> frames;
    private final CudaDevice cuda;

    BatchStager(@Qualifier(POOL) PinnedMemoryPool<float[]> frames, CudaDevice cuda) {
        this.frames = frames;
        this.cuda = cuda;
    }

    /**
     * Stages one batch.
     *
     * @param staging the batch, in the machine's byte order, in a lease of exactly its floats
     * @throws RequestRefusedException 503 when a resize shrank the buffers below the batch before the read-back
     * @throws dev.pinnedmemory.PinnedMemoryException when the pool cannot lend the read-back buffer within
     *     its {@code max-wait} (budget spent), or the backend refuses memory
     * @throws CudaDevice.CudaException when a CUDA call fails
     */
    BatchReceipt stage(PinnedBuffer<float[]> staging) {
        MemorySegment staged = staging.segment();
        long bytes = staging.byteSize();
        int elements = staging.length();
        long start = System.nanoTime();
        long received = Float32Batch.wireCrc32(staged, elements);
        double sum = Float32Batch.finiteSum(staged, elements);
        long stagingMicros = (System.nanoTime() - start) / 1_000;

        Long transferMicros = null;
        boolean verified = true;   // without a device, the batch was read in place: what is staged is what arrived
        if (cuda.present()) {
            // What the device should hand back: the staged bytes, in the machine's order.
            long stagedCrc = Float32Batch.crc32(staged, bytes);
            try (PinnedBuffer<float[]> readBack = rentReadBack(elements)) {
                transferMicros = cuda.roundTripAsync(staging, readBack, bytes);   // ends the staging lease after the copy
                verified = Float32Batch.crc32(readBack.segment(), bytes) == stagedCrc;
            }
        }
        return new BatchReceipt(elements, bytes, frames.name(), frames.backend().name(), frames.backend().pageLocked(),
                cuda.present(), cuda.name(), "%08x".formatted(received), sum, stagingMicros, transferMicros, verified);
    }

    private PinnedBuffer<float[]> rentReadBack(int elements) {
        try {
            return frames.rentWaiting(elements);
        } catch (IllegalArgumentException e) {
            throw new RequestRefusedException(HttpStatus.SERVICE_UNAVAILABLE, "pool '" + POOL
                    + "' was resized to smaller buffers while this batch was staged; send it again");
        }
    }
}
