package dev.pinnedmemory.sample;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.web.PinnedBody;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/batches}: a batch of little-endian float32 values as
 * {@code application/octet-stream}, staged in pinned memory (and on the GPU when there is one).
 * Any other content type is 415 before the body is read.
 *
 * <p>{@link PinnedBody} does the receiving: the body is read straight into a lease from the
 * {@code frames} pool of exactly its floats (the smallest size class that holds them; a chunked body is
 * read into a full-size buffer and handed over as a lease of what arrived), in the machine's byte
 * order. It refuses a body over the largest buffer (413), an empty one or one that is not whole floats
 * (400) before renting when Content-Length says so, and answers 503 with {@code Retry-After} when no
 * memory comes within the pool's {@code max-wait}. The lease ends when the request completes, unless
 * the stager ended it first (the device path does, with {@code closeAfter}).
 */
@RestController
class BatchController {

    private final BatchStager stager;

    BatchController(BatchStager stager) {
        this.stager = stager;
    }

    @PostMapping(path = "/api/batches", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    BatchReceipt stage(@PinnedBody(BatchStager.POOL) PinnedBuffer<float[]> batch) {
        return stager.stage(batch);
    }
}
