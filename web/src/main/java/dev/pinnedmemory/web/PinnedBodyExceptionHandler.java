package dev.pinnedmemory.web;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Answers a {@link PinnedBodyException} as its status, headers ({@code Retry-After} on a 503) and
 * {@code ProblemDetail} body, in Spring MVC and WebFlux alike, also where the application has not
 * switched on Spring Boot's problem details. Ordered last: an application's own advice for
 * {@code ErrorResponseException} or {@code PinnedBodyException} wins. Stateless; thread-safe.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public final class PinnedBodyExceptionHandler {

    /** {@return the refusal as the answer it describes} */
    @ExceptionHandler(PinnedBodyException.class)
    public ResponseEntity<ProblemDetail> handlePinnedBodyException(PinnedBodyException refusal) {
        return ResponseEntity.status(refusal.getStatusCode()).headers(refusal.getHeaders()).body(refusal.getBody());
    }
}
