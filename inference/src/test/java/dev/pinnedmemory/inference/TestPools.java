package dev.pinnedmemory.inference;

import java.time.Duration;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import static org.assertj.core.api.Assertions.assertThat;

/** Byte pools for the tests (mlock: this machine grants it), and the books every test checks at its end. */
public final class TestPools {

    public static final PageLockingBackend MLOCK = PageLockingBackends.select(BackendKind.MLOCK, true).backend();

    private TestPools() {
    }

    /** {@return a byte pool "tensors" with size classes from 4 KiB to {@code largest} bytes, zero max-wait} */
    public static PinnedMemoryPool<byte[]> tensors(int largest) {
        return tensors(largest, MemoryBudget.unlimited(), Duration.ZERO);
    }

    public static PinnedMemoryPool<byte[]> tensors(int largest, MemoryBudget budget, Duration maxWait) {
        return PinnedMemoryPool.builder(ElementType.BYTE).name("tensors").bufferSize(largest)
                .minBufferSize(Math.min(4096, largest)).maxSize(4).clearOnReturn(false).maxWait(maxWait).budget(budget)
                .backend(MLOCK).build();
    }

    /**
     * Asserts that every lease of {@code pool} came back exactly once: nothing in use, as many returns as
     * rents, no leaks. A server ends a request's leases just after the client has its last byte, so this
     * waits (a few seconds at most) for the pool to be quiet first.
     */
    public static void assertBalanced(PinnedMemoryPool<?> pool) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> pool.stats().inUse() == 0);
        PoolStats stats = pool.stats();
        assertThat(stats.inUse()).as("leases still in use of %s", stats).isZero();
        assertThat(stats.returns()).as("returns against rents of %s", stats).isEqualTo(stats.rents());
        assertThat(stats.leaks()).as("leaks of %s", stats).isZero();
    }
}
