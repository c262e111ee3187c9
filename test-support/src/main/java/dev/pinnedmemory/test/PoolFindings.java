package dev.pinnedmemory.test;

import java.util.List;

import dev.pinnedmemory.LeakDetectionLevel;

/**
 * The wording shared by {@link PoolAssert} and {@link PinnedMemoryLeakCheck}: what is wrong with a
 * pool and, where the pool recorded it, where the buffers were rented. Stateless.
 */
final class PoolFindings {

    /** Rent sites printed per failure; the rest are counted. */
    static final int MAX_SITES = 10;

    /** Most frames printed per rent site, from the first one outside the library. */
    static final int MAX_FRAMES = 8;

    static final String RENT_SITE_HINT = "Set pinned-memory.leak-detection=paranoid (or LeakDetectionLevel.PARANOID "
            + "on the pool's builder) to see where they were rented.";

    static final String LEAK_SITE_HINT = "Set pinned-memory.leak-detection=paranoid (or LeakDetectionLevel.PARANOID "
            + "on the pool's builder) to log where they were rented.";

    static final String LEAK_LOG_HINT = "The LEAK warnings in the log say where each was rented.";

    private static final String LIBRARY_PACKAGE = "dev.pinnedmemory";

    private PoolFindings() {
    }

    /** {@return {@code "N buffer(s) still rented"} and where they were rented, or how to find out} */
    static String stillRented(int count, List<Throwable> sites, LeakDetectionLevel level, String indent) {
        return count + " buffer(s) still rented" + where(sites, level, indent);
    }

    /** {@return {@code "N buffer(s) leaked: ..."} with where to see their rent sites} */
    static String leaked(long count, LeakDetectionLevel level) {
        return count + " buffer(s) leaked" + leakDetail(level);
    }

    /** {@return what a leak is, and where to see (or how to record) where the buffers were rented} */
    static String leakDetail(LeakDetectionLevel level) {
        return ": they became unreachable without being returned, and the pool freed them. "
                + (level == LeakDetectionLevel.PARANOID ? LEAK_LOG_HINT : LEAK_SITE_HINT);
    }

    /** {@return {@code "N buffer(s) waiting on a transfer fence ..."}} */
    static String fenced(int count) {
        return count + " buffer(s) waiting on a transfer fence: closed with closeAfter, their fence not complete yet";
    }

    /**
     * {@return {@code ", rented at:"} and the sites, one block of frames each, or {@code ". "} and
     * how to record them when there are none}
     *
     * @param sites where the buffers in question were rented (empty below {@code PARANOID})
     * @param indent the indentation of the lines that list the sites
     */
    static String where(List<Throwable> sites, LeakDetectionLevel level, String indent) {
        if (sites.isEmpty()) {
            return level == LeakDetectionLevel.PARANOID ? "." : ". " + RENT_SITE_HINT;
        }
        StringBuilder text = new StringBuilder(", rented at:");
        int shown = Math.min(sites.size(), MAX_SITES);
        for (int i = 0; i < shown; i++) {
            text.append('\n').append(indent).append("buffer ").append(i + 1).append(" of ").append(sites.size())
                    .append(':');
            appendFrames(text, sites.get(i), indent + "  ");
        }
        if (sites.size() > shown) {
            text.append('\n').append(indent).append("(and ").append(sites.size() - shown).append(" more)");
        }
        return text.toString();
    }

    /**
     * The frames from the first one outside the library's own package (the rent call's caller) up
     * to the first of reflection or JUnit (the test method is the last one shown), at most
     * {@link #MAX_FRAMES}.
     */
    private static void appendFrames(StringBuilder text, Throwable site, String indent) {
        StackTraceElement[] frames = site.getStackTrace();
        int first = 0;
        while (first < frames.length && isLibraryFrame(frames[first])) {
            first++;
        }
        int end = first;
        while (end < frames.length && end - first < MAX_FRAMES && !isFrameworkFrame(frames[end])) {
            end++;
        }
        for (int i = first; i < end; i++) {
            text.append('\n').append(indent).append("at ").append(frames[i]);
        }
        if (frames.length > end) {
            text.append('\n').append(indent).append("... ").append(frames.length - end).append(" more");
        }
    }

    private static boolean isFrameworkFrame(StackTraceElement frame) {
        String className = frame.getClassName();
        return className.startsWith("jdk.internal.reflect.") || className.startsWith("java.lang.reflect.")
                || className.startsWith("java.lang.invoke.") || className.startsWith("org.junit.");
    }

    private static boolean isLibraryFrame(StackTraceElement frame) {
        String className = frame.getClassName();
        int lastDot = className.lastIndexOf('.');
        return lastDot > 0 && className.substring(0, lastDot).equals(LIBRARY_PACKAGE);
    }
}
