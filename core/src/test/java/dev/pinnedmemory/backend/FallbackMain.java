package dev.pinnedmemory.backend;

import java.nio.file.Files;
import java.nio.file.Path;

/** Run in a child JVM with restricted locking: selects a backend and prints what it chose and why. */
public final class FallbackMain {

    private FallbackMain() {
    }

    public static void main(String[] args) throws Exception {
        BackendKind kind = BackendKind.parse(args[0]);
        boolean require = Boolean.parseBoolean(args[1]);
        try {
            BackendSelection selection = PageLockingBackends.select(kind, require);
            try (var arena = java.lang.foreign.Arena.ofShared()) {
                selection.backend().allocate(1 << 20, arena).fill((byte) 1);
                System.out.println("VMLCK=" + vmLck());
            }
            System.out.println("CHOSEN=" + selection.report().name());
            System.out.println("SUMMARY=" + selection.report().summary());
        } catch (dev.pinnedmemory.backend.PageLockingUnavailableException e) {
            System.out.println("REFUSED=" + e.getMessage());
            System.exit(3);
        }
    }

    private static String vmLck() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmLck:")).findFirst().orElse("?").replaceAll("\\s+", " ");
    }
}
