package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@code cuda-register} backend: memory the library maps itself and then registers with the
 * CUDA driver. An anonymous mapping (from 2 MiB on 2 MiB-aligned, with transparent huge pages
 * requested), bound to a NUMA node when the pool is placed, pre-touched on several threads
 * ({@link PreTouch}), then {@code cudaHostRegister(cudaHostRegisterPortable)}; when its arena
 * closes, {@code cudaHostUnregister} (in the CUDA context current at registration, see
 * {@link CudaHost}) and then {@code munmap}. The driver knows the pages are pinned, so a GPU copy
 * reads them in place, as from {@code cudaHostAlloc} memory, but where they live is chosen here.
 * {@link CudaBackend} allocates its buffers of 2 GiB and more this way too.
 *
 * <p>A refused registration unmaps the memory and throws a {@link BackendException} naming
 * {@code cudaHostRegister} and the CUDA error. Write-combined memory cannot be registered: the
 * hint is ignored. Stateless; thread-safe.
 */
final class CudaRegisterBackend implements PageLockingBackend {

    private final long pageSize = Libc.pageSize();
    private final CudaHost host;
    private final int node;

    /** @param node the NUMA node to bind to, or -1 to leave placement to the kernel */
    CudaRegisterBackend(int node) {
        this(CudaHost.jcuda(), node);
    }

    CudaRegisterBackend(CudaHost host, int node) {
        this.host = host;
        this.node = node;
    }

    /** {@return the NUMA node the memory is bound to, or -1} */
    int node() {
        return node;
    }

    /** {@return the CUDA calls this backend makes} */
    CudaHost host() {
        return host;
    }

    @Override
    public String name() {
        return "cuda-register";
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
        return allocateRegistered(host, bytes, arena, node, pageSize);
    }

    /** Registers the pages that hold {@code segment} with {@code cudaHostRegister}, as {@link #lockRegistered} says. */
    @Override
    public PageLock lock(MemorySegment segment) {
        return lockRegistered(host, segment, pageSize);
    }

    /**
     * Registers the pages that hold {@code segment}, memory the caller mapped, with
     * {@code cudaHostRegister(cudaHostRegisterPortable)}, which pins them (faulting in any that are
     * not resident) and lets every context of the process copy from them by DMA; the lock's close
     * unregisters them in the context that was current at registration. Unlike
     * {@link #allocateRegistered}, nothing is pre-touched: touching writes, and these pages hold the
     * caller's data.
     *
     * @throws BackendException naming {@code cudaHostRegister} and the CUDA error; nothing stays registered
     */
    static PageLock lockRegistered(CudaHost host, MemorySegment segment, long pageSize) {
        return PageLock.ofPages("cudaHostRegister", segment, pageSize, (start, length) -> {
            CudaHost.Pinned registration = host.hostRegister(start, length);
            return () -> {
                int code = host.hostUnregister(registration);
                if (code != 0) {
                    throw new BackendException("cudaHostUnregister of " + Sizes.bytes(length) + " on device "
                            + registration.device() + " failed: " + host.errorName(code), length);
                }
            };
        });
    }

    /**
     * Maps {@code bytes} (on {@code node}, or anywhere for -1), touches and registers them, and ties
     * the unregistration and unmapping to {@code arena}.
     *
     * @throws BackendException naming {@code mmap}, {@code mbind} or {@code cudaHostRegister}; nothing stays mapped
     */
    static MemorySegment allocateRegistered(CudaHost host, long bytes, Arena arena, int node, long pageSize) {
        long length = AnonymousMappings.roundUp(bytes, pageSize);
        long address = AnonymousMappings.mapForDevice(length, bytes, node);
        CudaHost.Pinned registration;
        try {
            PreTouch.pages(address, length);
            registration = host.hostRegister(address, length);
        } catch (RuntimeException | Error e) {
            AnonymousMappings.unmap(address, length, bytes, false);
            throw e;
        }
        try {
            return MemorySegment.ofAddress(address).reinterpret(bytes, arena,
                    ignored -> unregisterAndUnmap(host, registration, length, bytes));
        } catch (RuntimeException | Error e) {
            unregisterAndUnmap(host, registration, length, bytes);   // the arena cannot take it: nothing else would free it
            throw e;
        }
    }

    /** Unregisters, then unmaps in any case (pages the driver still holds stay pinned by it, not by the mapping). */
    private static void unregisterAndUnmap(CudaHost host, CudaHost.Pinned registration, long length, long bytes) {
        int code;
        try {
            code = host.hostUnregister(registration);
        } catch (RuntimeException | Error e) {
            AnonymousMappings.unmap(registration.address(), length, bytes, false);
            throw e;
        }
        AnonymousMappings.unmap(registration.address(), length, bytes, false);
        if (code != 0) {
            throw new BackendException("cudaHostUnregister of " + Sizes.bytes(length) + " on device " + registration.device()
                    + " failed: " + host.errorName(code), bytes);
        }
    }
}
