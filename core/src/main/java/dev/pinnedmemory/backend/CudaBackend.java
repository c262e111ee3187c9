package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Page-locked memory from the CUDA driver: {@code cudaHostAlloc} with {@code cudaHostAllocPortable}
 * (pinned for every device and context of the process; write-combined on request), zeroed, and
 * freed with {@code cudaFreeHost} in the context it was made in when its arena closes.
 *
 * <p>Buffers of {@value #REGISTERED_FROM} bytes (2 GiB) and more are mapped here and registered
 * instead ({@code cudaHostRegister(cudaHostRegisterPortable)}, as {@link CudaRegisterBackend} does,
 * unplaced): JCuda's {@code cudaHostAlloc} wraps its memory in a direct {@code ByteBuffer}, which
 * JDK 21 and later refuse above {@code Integer.MAX_VALUE} bytes after the driver allocated, so the
 * allocation could not be handed out (jcuda/jcuda-main#54). Such buffers are not write-combined:
 * the hint is ignored, with a warning the first time. Only constructed after a successful probe.
 * Stateless but for that warning; thread-safe.
 */
final class CudaBackend implements PageLockingBackend {

    /** Buffers from this size on are registered, not allocated by {@code cudaHostAlloc}: {@value} bytes. */
    static final long REGISTERED_FROM = Integer.MAX_VALUE + 1L;

    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());

    private final CudaHost host;
    private final long registeredFrom;
    private final long pageSize = Libc.pageSize();
    private final AtomicBoolean warnedWriteCombined = new AtomicBoolean();

    CudaBackend() {
        this(CudaHost.jcuda(), REGISTERED_FROM);
    }

    /** @param registeredFrom the size from which buffers are registered (tests lower it) */
    CudaBackend(CudaHost host, long registeredFrom) {
        this.host = host;
        this.registeredFrom = registeredFrom;
    }

    /** {@return the CUDA calls this backend makes} */
    CudaHost host() {
        return host;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean pageLocked() {
        return true;
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        return allocate(bytes, arena, false);
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena, boolean writeCombined) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (bytes == 0) {
            return arena.allocate(0);
        }
        if (bytes >= registeredFrom) {
            if (writeCombined && warnedWriteCombined.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "pinned-memory cuda: buffers of {0} and more are registered with "
                        + "cudaHostRegister, which cannot make write-combined memory: this buffer of {1} (and any later "
                        + "one that large) is not write-combined", Sizes.bytes(registeredFrom), Sizes.bytes(bytes));
            }
            return CudaRegisterBackend.allocateRegistered(host, bytes, arena, -1, pageSize);
        }
        int flags = CudaRuntime.HOST_ALLOC_PORTABLE | (writeCombined ? CudaRuntime.HOST_ALLOC_WRITE_COMBINED : 0);
        CudaHost.Pinned memory = host.hostAlloc(bytes, flags);
        MemorySegment segment;
        try {
            segment = MemorySegment.ofAddress(memory.address()).reinterpret(bytes, arena, ignored -> host.freeHost(memory));
        } catch (RuntimeException | Error e) {
            host.freeHost(memory);   // the arena was closed or is confined to another thread: nothing will free it
            throw e;
        }
        segment.fill((byte) 0);
        return segment;
    }

    /** Registers the pages that hold {@code segment} with {@code cudaHostRegister}, as {@code cuda-register} does. */
    @Override
    public PageLock lock(MemorySegment segment) {
        return CudaRegisterBackend.lockRegistered(host, segment, pageSize);
    }
}
