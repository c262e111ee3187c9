package dev.pinnedmemory.backend;

import jcuda.Pointer;

/**
 * A JCuda {@link Pointer} to host memory by address, for the {@code cuda} backends' calls: empty for
 * {@code cudaHostAlloc} to fill, or at an address for {@code cudaHostRegister} and the frees. Does
 * not own the memory. Users pass segments through {@code dev.pinnedmemory.cuda.CudaPointers}.
 * Not thread-safe (JCuda writes an empty one); each call makes its own.
 */
final class HostPointer extends Pointer {

    private HostPointer(long address) {
        super(address);
    }

    private HostPointer() {
    }

    /** {@return a pointer to {@code address}} */
    static HostPointer at(long address) {
        return new HostPointer(address);
    }

    /** {@return a null pointer for a call to fill} */
    static HostPointer empty() {
        return new HostPointer();
    }

    /** {@return the address it points to} */
    long address() {
        return getNativePointer();
    }
}
