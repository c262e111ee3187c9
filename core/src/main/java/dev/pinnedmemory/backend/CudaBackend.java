package dev.pinnedmemory.backend;

import jcuda.runtime.JCuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Page-locked memory from the CUDA driver ({@code cudaHostAlloc} with {@code cudaHostAllocPortable},
 * so a buffer is pinned for every device and context of the process; write-combined on request),
 * freed with {@code cudaFreeHost} on the device that was current at allocation when its arena
 * closes. Only constructed after a successful probe. Stateless; thread-safe.
 */
final class CudaBackend implements PageLockingBackend {

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
        int device = CudaCalls.currentDevice();
        int flags = JCuda.cudaHostAllocPortable | (writeCombined ? JCuda.cudaHostAllocWriteCombined : 0);
        long address = CudaRuntime.hostAlloc(bytes, flags);
        MemorySegment segment = MemorySegment.ofAddress(address)
                .reinterpret(bytes, arena, ignored -> CudaRuntime.freeHost(address, device));
        segment.fill((byte) 0);
        return segment;
    }
}
