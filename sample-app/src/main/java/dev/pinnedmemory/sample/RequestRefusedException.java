package dev.pinnedmemory.sample;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request the service refuses, mostly because of what the client sent: answered with {@code status} and a
 * {@link ProblemDetail} whose {@code detail} says what was wrong and what is expected.
 */
final class RequestRefusedException extends ErrorResponseException {

    RequestRefusedException(HttpStatus status, String detail) {
        super(status, ProblemDetail.forStatusAndDetail(status, detail), null);
    }

    static RequestRefusedException badRequest(String detail) {
        return new RequestRefusedException(HttpStatus.BAD_REQUEST, detail);
    }
}
