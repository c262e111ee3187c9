package dev.pinnedmemory.inference.grpc;

import dev.pinnedmemory.inference.InferenceException;

/**
 * The most bytes one request message may have, and where that number comes from, for the refusal that
 * names both. An immutable value; thread-safe.
 *
 * @param bytes the limit
 * @param reason how it is made up, e.g. the pool's largest buffer times the inputs allowed
 */
record MessageLimit(long bytes, String reason) {

    /** {@return a {@code RESOURCE_EXHAUSTED} refusal of a message of {@code size} bytes (at least that many when {@code atLeast})} */
    InferenceException refuse(String what, long size, boolean atLeast) {
        return new InferenceException(InferenceException.Reason.TENSOR_TOO_LARGE, "a " + what + " of "
                + (atLeast ? "more than " + bytes : String.valueOf(size)) + " bytes is larger than this server takes: "
                + bytes + " bytes (" + reason + ")");
    }
}
