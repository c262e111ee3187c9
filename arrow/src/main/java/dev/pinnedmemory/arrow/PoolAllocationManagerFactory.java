package dev.pinnedmemory.arrow;

import java.lang.foreign.Arena;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.ReferenceManager;

/**
 * Arrow's {@link AllocationManager.Factory} over a byte pool: each allocation is one
 * {@code rentWaiting(size)} lease of exactly the size Arrow asks for (after {@link PinnedArrow}'s
 * rounding to 8 bytes), served from the pool's smallest size class that holds it. A size over the
 * pool's largest buffer, or one the pool's budget or backend refuses, is Arrow's
 * {@link OutOfMemoryException}, whose message names the sizes and the pool; Arrow then gives back
 * the bytes it had accounted. Thread-safe: the pool is.
 */
final class PoolAllocationManagerFactory implements AllocationManager.Factory {

    /** What empty buffers point at: a valid, never-freed address, like the address Arrow's own factories give them. */
    static final long EMPTY_ADDRESS = Arena.global().allocate(64, 64).address();

    private final PinnedMemoryPool<byte[]> pool;
    private final ArrowBuf empty = new ArrowBuf(ReferenceManager.NO_OP, null, 0, EMPTY_ADDRESS);

    PoolAllocationManagerFactory(PinnedMemoryPool<byte[]> pool) {
        this.pool = pool;
    }

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
        int largest = pool.bufferSize();
        if (size < 1 || size > largest) {
            throw new OutOfMemoryException("Arrow buffer of " + size + " bytes does not fit pool '" + pool.name()
                    + "', whose largest buffer is " + largest + " bytes: raise the pool's buffer-size to at least "
                    + size + " bytes (for an IPC stream, its largest record batch body)");
        }
        PinnedBuffer<byte[]> lease;
        try {
            lease = pool.rentWaiting((int) size);
        } catch (PinnedMemoryException e) {
            throw new OutOfMemoryException("Arrow buffer of " + size + " bytes refused by pool '" + pool.name() + "': "
                    + e.getMessage(), e);
        }
        try {
            return new PoolAllocationManager(accountingAllocator, lease);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    @Override
    public ArrowBuf empty() {
        return empty;
    }

    PinnedMemoryPool<byte[]> pool() {
        return pool;
    }
}
