package dev.pinnedmemory.actuate;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The body of a rejected {@code POST /actuator/pinnedmemory/{pool}} (status 400 or 404). Immutable.
 *
 * @param error why the request was rejected, e.g. {@code bufferSize must be a multiple of 4 bytes}
 * @param pool the pool named in the path
 * @param value the rejected {@code bufferSize}, or null when it was missing
 */
@JsonInclude(JsonInclude.Include.ALWAYS)   // a null field is sent as null, as documented, also by Actuator's mapper
public record PinnedMemoryError(String error, String pool, @Nullable String value) implements OperationResponseBody {
}
