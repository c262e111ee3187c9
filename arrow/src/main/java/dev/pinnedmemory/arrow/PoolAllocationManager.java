package dev.pinnedmemory.arrow;

import dev.pinnedmemory.PinnedBuffer;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One Arrow allocation backed by one lease of a byte pool. Arrow creates it through
 * {@link PoolAllocationManagerFactory}, keeps it while any {@code ArrowBuf} shares the memory, and
 * calls {@link #release0()} exactly once, when the last of them is released: that closes the lease
 * and the memory goes back to the pool. If every {@code ArrowBuf} is dropped unreleased, this object
 * and with it the lease become unreachable, and the pool frees the memory and counts a leak.
 * Thread-safe as Arrow uses it (Arrow serialises {@code release0} under the ledger's lock).
 */
final class PoolAllocationManager extends AllocationManager {

    private final PinnedBuffer<byte[]> lease;
    /** Read once: Arrow asks for the address of every buffer it carves, the lease would check its state each time. */
    private final long address;

    PoolAllocationManager(BufferAllocator accountingAllocator, PinnedBuffer<byte[]> lease) {
        super(accountingAllocator);
        this.lease = lease;
        this.address = lease.address();
    }

    @Override
    public long getSize() {
        return lease.byteSize();
    }

    @Override
    protected long memoryAddress() {
        return address;
    }

    @Override
    protected void release0() {
        lease.close();
    }

    /** {@return the lease behind this allocation, for tests} */
    PinnedBuffer<byte[]> lease() {
        return lease;
    }
}
