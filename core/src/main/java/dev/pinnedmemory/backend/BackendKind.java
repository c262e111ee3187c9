package dev.pinnedmemory.backend;

import java.util.Locale;

/** Which backend to use, as configured ({@code pinned-memory.backend}). Immutable and thread-safe. */
public enum BackendKind {
    /** The first that works of {@code cuda}, {@code mlock} and {@code unlocked} (never {@code cuda-register}). */
    AUTO,
    /** CUDA {@code cudaHostAlloc}: page-locked and registered with the driver for DMA. */
    CUDA,
    /**
     * {@code cuda-register}: the library's own anonymous mapping (huge pages from 2 MiB, bound to a
     * NUMA node when asked, pre-touched on several threads) registered with
     * {@code cudaHostRegister(cudaHostRegisterPortable)}: known to the driver as pinned, like
     * {@code cuda}'s memory, and placed where the pool says.
     */
    CUDA_REGISTER,
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
        String name = value == null ? "" : value.trim().replace('_', '-');
        for (BackendKind kind : values()) {
            if (kind.configName().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("backend: '" + value + "' (expected one of: auto, cuda, cuda-register, mlock, unlocked)");
    }

    /** {@return the lower-case configuration name, e.g. {@code cuda-register}} */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
