package dev.pinnedmemory.arrow;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferLedger;

/** Byte pools for the tests, on the {@code mlock} backend (this machine grants it), and the lease behind a buffer. */
final class Pools {

    static final PageLockingBackend MLOCK = PageLockingBackends.select(BackendKind.MLOCK, true).backend();

    private Pools() {
    }

    /** {@return a byte pool with size classes from 4 KiB to {@code largest} bytes} */
    static PinnedMemoryPool<byte[]> bytes(String name, int largest) {
        return bytes(name, largest, MemoryBudget.unlimited());
    }

    static PinnedMemoryPool<byte[]> bytes(String name, int largest, MemoryBudget budget) {
        return PinnedMemoryPool.builder(ElementType.BYTE).name(name).bufferSize(largest).minBufferSize(4096)
                .maxSize(4).budget(budget).backend(MLOCK).build();
    }

    /** {@return the pool lease that holds {@code buffer}'s memory} */
    static PinnedBuffer<byte[]> leaseOf(ArrowBuf buffer) {
        BufferLedger ledger = (BufferLedger) buffer.getReferenceManager();
        return ((PoolAllocationManager) ledger.getAllocationManager()).lease();
    }
}
