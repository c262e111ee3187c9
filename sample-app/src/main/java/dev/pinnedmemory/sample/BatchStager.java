package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Stages float32 batches for the GPU: streams each into a pinned buffer rented from the
 * {@code frames} pool, checks it, and round-trips it through the CUDA device when there is one.
 * Every buffer goes back to the pool before {@link #stage} returns or throws.
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
     * @throws RequestRefusedException 400 for an empty body or one that is not a whole number of floats,
     *     413 for one larger than a pool buffer, 503 when a resize shrank the buffers mid-request
     * @throws dev.pinnedmemory.PinnedMemoryException when the pool cannot lend a buffer (budget spent)
     * @throws CudaDevice.CudaException when a CUDA call fails
     */
    BatchReceipt stage(InputStream body, long declaredLength) {
        long capacity = (long) frames.bufferSize() * Float.BYTES;
        if (declaredLength > capacity) {
            // Refuse before renting or reading: the client said how much is coming.
            throw tooLarge(declaredLength + " bytes", capacity);
        }
        try (PinnedBuffer<float[]> buffer = frames.rent()) {
            MemorySegment staged = buffer.segment();
            long start = System.nanoTime();
            BodyStreamer.Streamed streamed = read(body, staged);
            checkWholeFloats(streamed.bytes());
            long elements = streamed.bytes() / Float.BYTES;
            boolean verified = BodyStreamer.crc32(staged, streamed.bytes()) == streamed.crc32();
            Float32Batch.toNativeOrder(staged, elements);
            long stagingMicros = (System.nanoTime() - start) / 1_000;

            Long transferMicros = null;
            if (cuda.present()) {
                try (PinnedBuffer<float[]> readBack = frames.rent()) {
                    MemorySegment back = readBack.segment();
                    if (back.byteSize() < streamed.bytes()) {
                        throw new RequestRefusedException(HttpStatus.SERVICE_UNAVAILABLE, "pool '" + POOL
                                + "' was resized to smaller buffers while this batch was staged; send it again");
                    }
                    transferMicros = cuda.roundTrip(staged, back, streamed.bytes());
                    verified &= MemorySegment.mismatch(staged, 0, streamed.bytes(), back, 0, streamed.bytes()) == -1;
                }
            }
            return new BatchReceipt(elements, streamed.bytes(), frames.name(), frames.backend().name(),
                    frames.backend().pageLocked(), cuda.present(), cuda.name(), "%08x".formatted(streamed.crc32()),
                    Float32Batch.finiteSum(staged, elements), stagingMicros, transferMicros, verified);
        }
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
        return new RequestRefusedException(HttpStatus.CONTENT_TOO_LARGE, "body of " + what + " does not fit a '" + POOL
                + "' buffer of " + capacity + " bytes (" + capacity / Float.BYTES + " float32 values); "
                + "send smaller batches or resize the pool");
    }
}
