package dev.pinnedmemory.backend;

import java.util.Locale;

/** Which backend to use, as configured ({@code pinned-memory.backend}). Immutable and thread-safe. */
public enum BackendKind {
    /** The first that works of {@code cuda}, {@code mlock} and {@code unlocked}. */
    AUTO,
    /** CUDA {@code cudaHostAlloc}: page-locked and registered with the driver for DMA. */
    CUDA,
    /** Page-aligned anonymous memory locked with libc {@code mlock}. */
    MLOCK,
    /** Page-aligned off-heap memory with a stable address, not locked. */
    UNLOCKED;

    /**
     * {@return the kind named {@code value}, ignoring case}
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static BackendKind parse(String value) {
        for (BackendKind kind : values()) {
            if (kind.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("backend: '" + value + "' (expected one of: auto, cuda, mlock, unlocked)");
    }

    /** {@return the lower-case configuration name} */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
