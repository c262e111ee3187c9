package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Page-locked memory from the CUDA driver ({@code cudaHostAlloc}, portable across devices),
 * freed with {@code cudaFreeHost} when its arena closes. Only constructed after a successful
 * probe. Stateless; thread-safe.
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
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (bytes == 0) {
            return arena.allocate(0);
        }
        long address = CudaRuntime.hostAlloc(bytes);
        MemorySegment segment = MemorySegment.ofAddress(address)
                .reinterpret(bytes, arena, ignored -> CudaRuntime.freeHost(address));
        segment.fill((byte) 0);
        return segment;
    }
}
