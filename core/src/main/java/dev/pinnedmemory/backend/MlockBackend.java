package dev.pinnedmemory.backend;

import dev.pinnedmemory.PinnedMemoryException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Page-locked memory without CUDA: anonymous {@code mmap} pages locked with {@code mlock},
 * unlocked and unmapped when their arena closes. Linux only. Stateless; thread-safe.
 */
final class MlockBackend implements PageLockingBackend {

    static final MlockBackend INSTANCE = new MlockBackend();
    /** Size of the lock probed at selection: large enough that a token RLIMIT_MEMLOCK is refused. */
    static final long PROBE_BYTES = 1L << 20;

    private final long pageSize = Libc.pageSize();

    private MlockBackend() {
    }

    @Override
    public String name() {
        return "mlock";
    }

    @Override
    public boolean pageLocked() {
        return true;
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (bytes == 0) {
            return arena.allocate(0);
        }
        long mapped = (bytes + pageSize - 1) / pageSize * pageSize;
        Libc.Result map = Libc.mmapAnonymous(mapped);
        if (map.failed()) {
            throw new PinnedMemoryException("mmap of " + Sizes.bytes(mapped) + " failed: "
                    + Libc.errorName(map.errno()), bytes);
        }
        long address = map.value();
        Libc.Result lock = Libc.mlock(address, mapped);
        if (lock.failed()) {
            Libc.munmap(address, mapped);
            throw new PinnedMemoryException(refusal(mapped, lock.errno()), bytes);
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, ignored -> {
            Libc.munlock(address, mapped);
            Libc.munmap(address, mapped);
        });
    }

    @Override
    public void decommit(MemorySegment segment) {
        if (segment.byteSize() == 0) {
            return;
        }
        long mapped = (segment.byteSize() + pageSize - 1) / pageSize * pageSize;
        Libc.munlock(segment.address(), mapped);
        Libc.madviseDontNeed(segment.address(), mapped);
    }

    /** {@return null when a probe lock of {@link #PROBE_BYTES} works, else why not} */
    String probe() {
        Libc.Result map = Libc.mmapAnonymous(PROBE_BYTES);
        if (map.failed()) {
            return "mmap: " + Libc.errorName(map.errno());
        }
        try {
            Libc.Result lock = Libc.mlock(map.value(), PROBE_BYTES);
            if (lock.failed()) {
                return refusal(PROBE_BYTES, lock.errno());
            }
            Libc.munlock(map.value(), PROBE_BYTES);
            return null;
        } finally {
            Libc.munmap(map.value(), PROBE_BYTES);
        }
    }

    private static String refusal(long bytes, int errno) {
        return "mlock of " + Sizes.bytes(bytes) + " refused: " + Libc.errorName(errno)
                + "; RLIMIT_MEMLOCK " + Sizes.bytes(Libc.memlockLimit())
                + ", locked now " + Sizes.bytes(ProcStatus.lockedBytes())
                + (ProcStatus.hasIpcLock() ? ", CAP_IPC_LOCK present" : ", no CAP_IPC_LOCK")
                + " (raise the limit with 'ulimit -l' or systemd LimitMEMLOCK=, or grant CAP_IPC_LOCK)";
    }
}
