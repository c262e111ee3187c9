package dev.pinnedmemory.sample;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/batches}: a batch of little-endian float32 values as
 * {@code application/octet-stream}, staged in pinned memory (and on the GPU when there is one).
 * Any other content type is 415 before the body is read.
 */
@RestController
class BatchController {

    private final BatchStager stager;

    BatchController(BatchStager stager) {
        this.stager = stager;
    }

    @PostMapping(path = "/api/batches", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    BatchReceipt stage(HttpServletRequest request) throws IOException {
        // The raw servlet stream, not a byte[] or Resource argument: those would buffer the whole body on the heap.
        try (InputStream body = request.getInputStream()) {
            return stager.stage(body, request.getContentLengthLong());
        }
    }
}
