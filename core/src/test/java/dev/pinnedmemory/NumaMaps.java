package dev.pinnedmemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the kernel's memory policy of a mapping from {@code /proc/self/maps} and {@code /proc/self/numa_maps}. */
final class NumaMaps {

    private NumaMaps() {
    }

    /** {@return the numa_maps line of the mapping that contains {@code address}, e.g. {@code 7f.. bind:0 anon=512 ...}} */
    static String lineOf(long address) {
        try {
            String start = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
                    start = line.substring(0, dash);
                    break;
                }
            }
            if (start == null) {
                return "unmapped";
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/numa_maps"))) {
                if (line.startsWith(start + " ")) {
                    return line;
                }
            }
            return "no numa_maps entry for " + start;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the policy field of that line: {@code default}, {@code bind:0}, ...} */
    static String policyOf(long address) {
        String[] fields = lineOf(address).split(" ");
        return fields.length > 1 ? fields[1] : fields[0];
    }
}
