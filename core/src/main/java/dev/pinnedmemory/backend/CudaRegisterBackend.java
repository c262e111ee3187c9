package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@code cuda-register} backend: memory the library maps itself and then registers with the
 * CUDA driver. An anonymous mapping (from 2 MiB on 2 MiB-aligned, with transparent huge pages
 * requested), bound to a NUMA node when the pool is placed, pre-touched on several threads
 * ({@link PreTouch}), then {@code cudaHostRegister(cudaHostRegisterPortable)}; when its arena
 * closes, {@code cudaHostUnregister} (on the device current at registration) and then
 * {@code munmap}. The driver knows the pages are pinned, so a GPU copy reads them in place, as
 * from {@code cudaHostAlloc} memory, but where they live is chosen here.
 *
 * <p>A refused registration unmaps the memory and throws a {@link BackendException} naming
 * {@code cudaHostRegister} and the CUDA error. Write-combined memory cannot be registered: the
 * hint is ignored. Stateless; thread-safe.
 */
final class CudaRegisterBackend implements PageLockingBackend {

    private final long pageSize = Libc.pageSize();
    private final int node;

    /** @param node the NUMA node to bind to, or -1 to leave placement to the kernel */
    CudaRegisterBackend(int node) {
        this.node = node;
    }

    /** {@return the NUMA node the memory is bound to, or -1} */
    int node() {
        return node;
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
        long length = AnonymousMappings.roundUp(bytes, pageSize);
        long address = AnonymousMappings.mapForDevice(length, bytes, node);
        int device;
        try {
            PreTouch.pages(address, length);
            CudaRuntime.hostRegister(address, length);
        } catch (RuntimeException | Error e) {
            AnonymousMappings.unmap(address, length, bytes, false);
            throw e;
        }
        try {
            device = CudaCalls.currentDevice();
        } catch (BackendException e) {
            int code = CudaRuntime.hostUnregisterHere(address);
            AnonymousMappings.unmap(address, length, bytes, false);
            throw code == 0 ? e : new BackendException(e.getMessage() + "; cudaHostUnregister then failed too: "
                    + CudaCalls.errorName(code), bytes);
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena,
                ignored -> unregisterAndUnmap(address, length, bytes, device));
    }

    /** Unregisters, then unmaps in any case (pages the driver still holds stay pinned by it, not by the mapping). */
    private static void unregisterAndUnmap(long address, long length, long bytes, int device) {
        int code = CudaRuntime.hostUnregister(address, device);
        AnonymousMappings.unmap(address, length, bytes, false);
        if (code != 0) {
            throw new BackendException("cudaHostUnregister of " + Sizes.bytes(length) + " on device " + device
                    + " failed: " + CudaCalls.errorName(code), bytes);
        }
    }
}
