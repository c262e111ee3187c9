package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An allocation ({@link NativeBlock}) apart from a pool's entry for it ({@link PoolEntry}): standalone
 * memory has no entry, a pool's entry owns its allocation, and the allocation is freed exactly once
 * whatever the entry, the pool and the Cleaner do.
 */
class PoolEntryTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("pool-entry-tests-reclaimer");
    private static final int BYTES = 4096;

    private static PinnedMemoryPool.Builder<byte[]> pool(CountingBackend backend, MemoryBudget budget) {
        return PinnedMemoryPool.builder(ElementType.BYTE).allocator(new LeakRecorder().allocator(backend, RECLAIMER))
                .budget(budget).bufferSize(BYTES).maxSize(2).clearOnReturn(false).name("entries");
    }

    @Test
    void aStandaloneBufferShouldHoldAnAllocationWithoutAPoolEntry() {
        try (PinnedBuffer<byte[]> buffer = PinnedBuffer.allocate(ElementType.BYTE, BYTES)) {
            BlockAnchor anchor = buffer.held();

            assertThat(anchor.entry).as("no pool, no entry").isNull();
            assertThat(anchor.block.owner).isInstanceOf(StandaloneOwner.class);
            assertThat(anchor.block.bytes).isEqualTo(BYTES);
            assertThatThrownBy(anchor::entry).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("belongs to no pool");
        }
    }

    @Test
    void aPooledBufferShouldHoldAnEntryThatOwnsItsAllocationAndCountsItsLeases() {
        CountingBackend backend = new CountingBackend(Backends.UNLOCKED);
        try (PinnedMemoryPool<byte[]> pool = pool(backend, MemoryBudget.unlimited()).build()) {
            BlockAnchor first;
            try (PinnedBuffer<byte[]> buffer = pool.rent(100)) {
                first = buffer.held();
                assertThat(first.entry()).isNotNull();
                assertThat(first.entry().block).isSameAs(first.block);
                assertThat(first.block.owner).as("the entry is told when its allocation goes").isSameAs(first.entry());
                assertThat(first.entry().sizeClass.bytes).isEqualTo(first.block.bytes);
                assertThat(first.entry().rentCount()).isEqualTo(1);
                assertThat(first.entry().returnCount()).isZero();
            }
            try (PinnedBuffer<byte[]> again = pool.rent(200)) {
                assertThat(again.held()).as("the idle entry is rented again").isSameAs(first);
                assertThat(first.entry().rentCount()).isEqualTo(2);
                assertThat(first.entry().returnCount()).isEqualTo(1);
                assertThat(first.entry().askedByteCount()).isEqualTo(300);
            }
        }
    }

    @Test
    void anAllocationShouldBeFreedOnceWhateverItsEntryThePoolAndTheCleanerDo() {
        CountingBackend backend = new CountingBackend(Backends.UNLOCKED);
        MemoryBudget budget = new MemoryBudget(4 * BYTES);
        try (PinnedMemoryPool<byte[]> pool = pool(backend, budget).build()) {
            PinnedBuffer<byte[]> buffer = pool.rent();
            NativeBlock block = buffer.held().block;
            assertThat(budget.usedBytes()).isEqualTo(BYTES);

            assertThat(block.free()).as("the first free").isTrue();
            assertThat(block.free()).as("a second free").isFalse();
            block.run();   // the Cleaner's action, as if the anchor had been dropped
            buffer.close();   // the lease ends on freed memory: it must not go back to the idle slots

            assertThat(backend.frees()).as("backend frees").isEqualTo(1);
            assertThat(backend.doubleFrees()).isZero();
            assertThat(budget.usedBytes()).as("bytes released once, never twice").isZero();
            PoolStats stats = pool.stats();
            assertThat(stats.pinnedBytes()).isZero();
            assertThat(stats.idle()).as("a freed allocation is never idle").isZero();
            assertThat(stats.leaks()).as("freed before the Cleaner ran: no leak").isZero();
            assertThat(stats.rents()).as("its entry's counts survive the free").isEqualTo(1);

            try (PinnedBuffer<byte[]> fresh = pool.rent()) {
                assertThat(fresh.held().block).as("a new allocation").isNotSameAs(block);
                assertThat(budget.usedBytes()).isEqualTo(BYTES);
            }
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void freeingAStrictLeasesAllocationShouldCloseTheScopeItsEntryMade() {
        CountingBackend backend = new CountingBackend(Backends.UNLOCKED);
        try (PinnedMemoryPool<byte[]> pool = pool(backend, MemoryBudget.unlimited()).strictSegments(true).build()) {
            PinnedBuffer<byte[]> buffer = pool.rent();
            MemorySegment segment = buffer.segment();
            BlockAnchor anchor = buffer.held();
            assertThat(anchor.entry().leaseArena).isNotNull();

            anchor.block.free();
            RECLAIMER.drainNow();

            assertThat(segment.scope().isAlive()).as("the lease's scope closes with the memory").isFalse();
            assertThat(anchor.entry().leaseArena).isNull();
            buffer.close();
            assertThat(backend.frees()).isEqualTo(1);
        }
    }
}
