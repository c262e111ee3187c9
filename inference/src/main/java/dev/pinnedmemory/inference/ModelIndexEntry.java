package dev.pinnedmemory.inference;

import org.jspecify.annotations.Nullable;

/**
 * One row of the model repository index (Triton's {@code POST /v2/repository/index}): a model's name, one
 * of its versions, its state ({@code READY} or {@code UNAVAILABLE}) and why. An immutable value;
 * thread-safe.
 *
 * @param name the model's name
 * @param version the version, or null for a model without versions
 * @param state {@value #READY} or {@value #UNAVAILABLE}
 * @param reason why the model is in that state; empty when ready
 */
public record ModelIndexEntry(String name, @Nullable String version, String state, String reason) {

    /** The state of a model that serves requests. */
    public static final String READY = "READY";
    /** The state of a model that does not serve requests now ({@link InferenceModel#isReady()} is false). */
    public static final String UNAVAILABLE = "UNAVAILABLE";
}
