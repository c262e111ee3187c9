package dev.pinnedmemory.actuate;

import org.jspecify.annotations.Nullable;

/**
 * The body of a rejected {@code POST /actuator/pinnedmemory/{pool}} (status 400 or 404). Immutable.
 *
 * @param error why the request was rejected, e.g. {@code bufferSize must be a multiple of 4 bytes}
 * @param pool the pool named in the path
 * @param value the rejected {@code bufferSize}, or null when it was missing
 */
public record PinnedMemoryError(String error, String pool, @Nullable String value) {
}
