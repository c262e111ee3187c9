package dev.pinnedmemory.sample;

import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every refusal into an RFC 9457 problem ({@code application/problem+json}) with a
 * {@code detail} that says what was wrong: Spring MVC's own (415 for a wrong content type, 400 for a
 * missing or malformed parameter, 404, 405) through {@link ResponseEntityExceptionHandler}, which also
 * answers the web module's {@code PinnedBodyException}s for batches (413, 400, 503 with {@code Retry-After}) as
 * they describe themselves, this service's {@link RequestRefusedException}s, and memory or CUDA trouble on
 * the server's side.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /**
     * The pool could not lend a buffer (budget still spent after the pool's {@code max-wait}, or the
     * backend refused memory): the request was fine but the service is full for now, so 503 with
     * Retry-After rather than a 4xx or a bare 500.
     */
    @ExceptionHandler(PinnedMemoryException.class)
    ResponseEntity<ProblemDetail> outOfPinnedMemory(PinnedMemoryException e) {
        LOG.warn("refused a request for lack of pinned memory: {}", e.getMessage());
        String why = e instanceof MemoryBudgetExceededException budget
                ? "the pinned memory budget is spent" + (budget.waited().isZero() ? ""
                        : ", also after waiting " + budget.waited().toMillis() + " ms for a buffer")
                : "the backend could not allocate pinned memory";
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                why + " (" + e.requestedBytes() + " bytes asked); try again shortly");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1").body(problem);
    }

    /** A CUDA call failed on a good request: the server's fault, said plainly rather than as a stack trace. */
    @ExceptionHandler(CudaDevice.CudaException.class)
    ResponseEntity<ProblemDetail> cudaFailed(CudaDevice.CudaException e) {
        LOG.error("CUDA transfer failed", e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR, "CUDA device failed: " + e.getMessage()));
    }
}
