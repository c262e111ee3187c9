package dev.pinnedmemory.backend;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jspecify.annotations.Nullable;

/**
 * Page-locked memory without CUDA: anonymous {@code mmap} pages locked with {@code mlock},
 * unlocked and unmapped when their arena closes; buffers of 2 MiB and more start on a 2 MiB
 * boundary with transparent huge pages requested, and, placed on a NUMA node
 * ({@link PageLockingBackends#placedOn}), are bound to it before {@code mlock} touches them.
 * Linux only. Stateless; thread-safe.
 *
 * <p>The CUDA driver does not know that these pages are locked: a GPU copy from them is staged
 * through the driver's own buffer, at pageable speed. {@code cuda-register} registers such memory.
 */
final class MlockBackend implements PageLockingBackend {

    static final MlockBackend INSTANCE = new MlockBackend(-1);
    /** Size of the lock probed at selection: large enough that a token RLIMIT_MEMLOCK is refused. */
    static final long PROBE_BYTES = 1L << 20;

    /** Transparent huge pages for buffers of 2 MiB and more; {@code -Ddev.pinnedmemory.hugePages=false} turns them off. */
    static final boolean HUGE_PAGES = AnonymousMappings.HUGE_PAGES;

    private final long pageSize = Libc.pageSize();
    private final int node;

    private MlockBackend(int node) {
        this.node = node;
    }

    /** {@return this backend with its memory bound to NUMA node {@code node}} */
    MlockBackend onNode(int node) {
        return new MlockBackend(node);
    }

    /** {@return the NUMA node the memory is bound to, or -1} */
    int node() {
        return node;
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
        long length = AnonymousMappings.roundUp(bytes, pageSize);
        long address = AnonymousMappings.mapForDevice(length, bytes, node);
        Libc.Result lock = Libc.mlock(address, length);
        if (lock.failed()) {
            Libc.munmap(address, length);
            throw new BackendException(refusal(length, lock.errno()), bytes);
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena,
                ignored -> AnonymousMappings.unmap(address, length, bytes, true));
    }

    /** Unlocks the pages and drops them (later reads see fresh zero pages); a failed call throws, naming it. */
    @Override
    public void decommit(MemorySegment segment) {
        if (segment.byteSize() > 0) {
            AnonymousMappings.drop(segment.address(), segment.byteSize(), true);
        }
    }

    /** {@return true: {@link #decommit} unlocks and drops the pages at once} */
    @Override
    public boolean releasesMemoryOnDecommit() {
        return true;
    }

    /**
     * Locks the pages that hold {@code segment} with {@code mlock}, which faults in any that are not
     * resident; {@code munlock} when the lock is closed.
     */
    @Override
    public PageLock lock(MemorySegment segment) {
        return PageLock.ofPages("mlock", segment, pageSize, (start, length) -> {
            Libc.Result lock = Libc.mlock(start, length);
            if (lock.failed()) {
                throw new BackendException(refusal(length, lock.errno()), segment.byteSize());
            }
            return () -> {
                Libc.Result unlock = Libc.munlock(start, length);
                if (unlock.failed()) {
                    throw new BackendException("munlock of " + Sizes.bytes(length) + " failed: "
                            + Libc.errorName(unlock.errno()), length);
                }
            };
        });
    }

    /** {@return null when a probe lock of {@link #PROBE_BYTES} works, else why not} */
    @Nullable String probe() {
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
                + "; RLIMIT_MEMLOCK " + Sizes.limit(Libc.memlockLimit())
                + ", locked now " + Sizes.bytes(ProcStatus.lockedBytes())
                + (ProcStatus.hasIpcLock() ? ", CAP_IPC_LOCK present" : ", no CAP_IPC_LOCK")
                + " (raise the limit with 'ulimit -l' or systemd LimitMEMLOCK=, or grant CAP_IPC_LOCK)";
    }
}
