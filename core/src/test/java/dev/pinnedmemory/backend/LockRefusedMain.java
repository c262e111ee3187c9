package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Run in a child JVM with restricted locking: locks the file named by its argument with {@code mlock} and prints what happened. */
public final class LockRefusedMain {

    private LockRefusedMain() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment region = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
            try (PageLock lock = MlockBackend.INSTANCE.lock(region)) {
                System.out.println("LOCKED=" + lock);
            } catch (BackendException e) {
                System.out.println("REFUSED=" + e.getMessage());
            }
            System.out.println("VMLCK=" + ProcStatus.lockedBytes());
        }
    }
}
