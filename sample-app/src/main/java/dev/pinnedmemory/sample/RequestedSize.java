package dev.pinnedmemory.sample;

import org.springframework.util.unit.DataSize;

/**
 * Parses a size from a query parameter ({@code 64MB}, {@code 512KB}, {@code 1048576}) and checks it
 * against a range; anything else is a {@link RequestRefusedException} (400) naming the value and the rule.
 */
final class RequestedSize {

    private RequestedSize() {
    }

    /**
     * {@return the size in bytes}
     *
     * @param parameter the parameter name, for the message
     * @param text what the client sent
     * @param max the largest size accepted
     * @param multipleOf the size must be a multiple of this many bytes
     */
    static long parse(String parameter, String text, DataSize max, int multipleOf) {
        String value = text == null ? "" : text.strip();
        DataSize size;
        try {
            size = DataSize.parse(value);
        } catch (RuntimeException e) {
            // DataSize.parse wraps malformed numbers and units; overflow shows up as ArithmeticException.
            throw RequestRefusedException.badRequest("'" + parameter + "' must be a size such as 64MB, 512KB or 1048576 "
                    + "(units B, KB, MB, GB; whole numbers) but was '" + shown(value) + "'");
        }
        long bytes = size.toBytes();
        if (bytes <= 0 || bytes > max.toBytes() || bytes % multipleOf != 0) {
            throw RequestRefusedException.badRequest("'" + parameter + "' must be positive, at most " + describe(max)
                    + (multipleOf > 1 ? " and a multiple of " + multipleOf + " bytes" : "") + " but was " + describe(size));
        }
        return bytes;
    }

    /** {@return {@code size} in the largest unit that keeps it whole, e.g. {@code 256MB}} */
    static String describe(DataSize size) {
        long bytes = size.toBytes();
        for (String unit : new String[] {"GB", "MB", "KB"}) {
            long unitBytes = DataSize.parse("1" + unit).toBytes();
            if (bytes != 0 && bytes % unitBytes == 0) {
                return bytes / unitBytes + unit;
            }
        }
        return bytes + "B";
    }

    /** {@return {@code value} fit to quote in an answer: control characters replaced, at most 40 characters} */
    static String shown(String value) {
        String printable = value.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "...";
    }
}
