package dev.pinnedmemory.backend;

/** Formats byte counts and limits for messages ({@code 8 MiB}, {@code 4097 B}, {@code unknown}). Stateless; thread-safe. */
final class Sizes {

    /** A limit the operating system reports as infinite ({@code RLIM_INFINITY}). */
    static final long UNLIMITED = -1;
    /** A value the operating system could not be asked for. */
    static final long UNKNOWN = -2;

    private Sizes() {
    }

    /** {@return {@code bytes} in the largest whole binary unit; {@code unknown} for a negative count} */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return "unknown";
        }
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /** {@return a limit: {@code unlimited} for {@link #UNLIMITED}, {@code unknown} for {@link #UNKNOWN}, else its size} */
    static String limit(long bytes) {
        return bytes == UNLIMITED ? "unlimited" : bytes(bytes);
    }
}
