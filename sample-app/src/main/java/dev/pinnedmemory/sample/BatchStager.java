package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Stages float32 batches for the GPU: streams each into a pinned buffer rented from the
 * {@code frames} pool, checks it, and copies it to the CUDA device and back when there is one.
 *
 * <p>Which buffer: {@code frames} has size classes ({@code min-buffer-size}), so a batch whose
 * Content-Length is known gets a buffer of exactly {@code contentLength / 4} floats, served from
 * the smallest class that holds it (at most 25 % larger); a chunked batch (no length) gets a
 * full-size buffer, the only size sure to hold it. Sizes are checked before anything is rented: a
 * length over the largest buffer is 413 before the body is read, one that is not a whole number of
 * floats 400. Rents wait up to the pool's {@code max-wait} when the budget is spent
 * ({@link PinnedMemoryPool#rentWaiting(int)}), and only then fail (503).
 *
 * <p>Ownership: every buffer goes back to the pool before {@link #stage} returns or throws; with a
 * device, the staging buffer goes back with {@link PinnedBuffer#closeAfter} and the pool lends its
 * memory out again only once the asynchronous copy from it is done.
 *
 * <p>Thread-safe: each call rents its own buffers.
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
     * @param body the request body: little-endian float32 values
     * @param declaredLength the Content-Length, or -1 when the body is chunked
     * @throws RequestRefusedException 400 for an empty body, one that is not a whole number of floats or
     *     one that ends before its Content-Length; 413 for one larger than the largest pool buffer; 503 when
     *     a resize shrank the buffers below the batch between staging and the device's read-back
     * @throws dev.pinnedmemory.PinnedMemoryException when the pool cannot lend a buffer within its
     *     {@code max-wait} (budget spent), or the backend refuses memory
     * @throws CudaDevice.CudaException when a CUDA call fails
     */
    BatchReceipt stage(InputStream body, long declaredLength) {
        try (PinnedBuffer<float[]> staging = rentStaging(declaredLength)) {
            MemorySegment staged = staging.segment();
            long start = System.nanoTime();
            BodyStreamer.Streamed streamed = read(body, staged);
            long bytes = streamed.bytes();
            checkWholeFloats(bytes);
            if (declaredLength >= 0 && bytes != declaredLength) {
                throw RequestRefusedException.badRequest("body ended after " + bytes + " of the " + declaredLength
                        + " bytes its Content-Length declared");
            }
            long elements = bytes / Float.BYTES;
            boolean verified = BodyStreamer.crc32(staged, bytes) == streamed.crc32();
            Float32Batch.toNativeOrder(staged, elements);
            long stagingMicros = (System.nanoTime() - start) / 1_000;
            // Everything that reads the staged buffer happens here: with a device, its lease ends in the transfer.
            double sum = Float32Batch.finiteSum(staged, elements);

            Long transferMicros = null;
            if (cuda.present()) {
                // What the device should hand back: the staged bytes, which are the received ones on little-endian hosts.
                long stagedCrc = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? streamed.crc32()
                        : BodyStreamer.crc32(staged, bytes);
                try (PinnedBuffer<float[]> readBack = rentReadBack((int) elements)) {
                    transferMicros = cuda.roundTripAsync(staging, readBack, bytes);
                    verified &= BodyStreamer.crc32(readBack.segment(), bytes) == stagedCrc;
                }
            }
            return new BatchReceipt(elements, bytes, frames.name(), frames.backend().name(),
                    frames.backend().pageLocked(), cuda.present(), cuda.name(), "%08x".formatted(streamed.crc32()),
                    sum, stagingMicros, transferMicros, verified);
        }
    }

    /**
     * Checks the declared length and rents the buffer to stage into: exactly {@code declaredLength / 4}
     * floats (the smallest size class that holds them), or a full-size buffer for a chunked body.
     */
    private PinnedBuffer<float[]> rentStaging(long declaredLength) {
        if (declaredLength < 0) {
            return frames.rentWaiting();
        }
        long capacity = maxBytes();
        if (declaredLength > capacity) {
            // Refuse before renting or reading: the client said how much is coming.
            throw tooLarge(declaredLength + " bytes", capacity);
        }
        checkWholeFloats(declaredLength);
        try {
            return frames.rentWaiting(Math.toIntExact(declaredLength / Float.BYTES));
        } catch (IllegalArgumentException e) {
            // A resize shrank the buffers between the check above and the rent.
            throw tooLarge(declaredLength + " bytes", maxBytes());
        }
    }

    private PinnedBuffer<float[]> rentReadBack(int elements) {
        try {
            return frames.rentWaiting(elements);
        } catch (IllegalArgumentException e) {
            throw new RequestRefusedException(HttpStatus.SERVICE_UNAVAILABLE, "pool '" + POOL
                    + "' was resized to smaller buffers while this batch was staged; send it again");
        }
    }

    private long maxBytes() {
        return (long) frames.bufferSize() * Float.BYTES;
    }

    private static BodyStreamer.Streamed read(InputStream body, MemorySegment staged) {
        try {
            return BodyStreamer.stream(body, staged);
        } catch (BodyStreamer.TooLargeException e) {
            throw tooLarge("more than " + staged.byteSize() + " bytes", staged.byteSize());
        } catch (IOException e) {
            throw RequestRefusedException.badRequest("could not read the request body: " + e.getMessage());
        }
    }

    private static void checkWholeFloats(long bytes) {
        if (bytes == 0) {
            throw RequestRefusedException.badRequest("empty body (expected: little-endian float32 values, 4 bytes each)");
        }
        if (bytes % Float.BYTES != 0) {
            throw RequestRefusedException.badRequest("body of " + bytes + " bytes is not a whole number of float32 values "
                    + "(expected: a multiple of 4 bytes)");
        }
    }

    private static RequestRefusedException tooLarge(String what, long capacity) {
        return new RequestRefusedException(HttpStatus.CONTENT_TOO_LARGE, "body of " + what + " does not fit the largest '"
                + POOL + "' buffer of " + capacity + " bytes (" + capacity / Float.BYTES + " float32 values); "
                + "send smaller batches or resize the pool");
    }
}
