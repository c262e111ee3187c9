package dev.pinnedmemory.backend;

import jcuda.Pointer;

import java.lang.foreign.MemorySegment;

/**
 * Bridges pinned memory to JCuda: a {@link Pointer} to a segment's address, for
 * {@code cudaMemcpy} and friends. Needs JCuda on the class path (the starter brings it).
 *
 * <p>The pointer does not own the memory: it is valid only while the segment is. Stateless;
 * thread-safe.
 */
public final class CudaPointers extends Pointer {

    private CudaPointers(long address) {
        super(address);
    }

    private CudaPointers() {
    }

    /** {@return a JCuda pointer to the first byte of {@code segment}} */
    public static Pointer to(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap segment (expected: native memory with an address)");
        }
        return new CudaPointers(segment.address());
    }

    static CudaPointers empty() {
        return new CudaPointers();
    }

    long address() {
        return getNativePointer();
    }
}
