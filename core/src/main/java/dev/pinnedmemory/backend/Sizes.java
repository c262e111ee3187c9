package dev.pinnedmemory.backend;

/** Formats byte counts for messages ({@code 8 MiB}, {@code 4097 B}). Stateless; thread-safe. */
final class Sizes {

    private Sizes() {
    }

    static String bytes(long bytes) {
        if (bytes < 0) {
            return "unlimited";
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
}
