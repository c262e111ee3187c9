package dev.pinnedmemory.cuda;

import jcuda.Pointer;

import java.lang.foreign.MemorySegment;

/**
 * Bridges pinned memory to JCuda: a {@link Pointer} to a segment's address, for
 * {@code cudaMemcpy} and friends. Needs JCuda on the class path (the starter brings it).
 *
 * {@snippet :
 * JCuda.cudaMemcpyAsync(device, CudaPointers.to(frame.segment()), frame.byteSize(),
 *         cudaMemcpyKind.cudaMemcpyHostToDevice, stream);
 * }
 *
 * <p>The pointer does not own the memory: it is valid only while the segment is (for a lease,
 * until it ends). Stateless; thread-safe.
 */
public final class CudaPointers {

    private CudaPointers() {
    }

    /**
     * {@return a JCuda pointer to the first byte of {@code segment}}
     *
     * @throws IllegalArgumentException if {@code segment} is a heap segment (it has no address)
     */
    public static Pointer to(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap segment (expected: native memory with an address)");
        }
        return new AddressPointer(segment.address());
    }

    /** JCuda's {@link Pointer} has no public constructor from an address: a subclass reaches the protected one. */
    private static final class AddressPointer extends Pointer {
        AddressPointer(long address) {
            super(address);
        }
    }
}
