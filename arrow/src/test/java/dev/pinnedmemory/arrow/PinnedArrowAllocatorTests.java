package dev.pinnedmemory.arrow;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.OwnershipTransferResult;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PinnedArrowAllocatorTests {

    @Test
    void bufferShouldBeALeaseOfExactlyItsSizeRoundedToEightBytesSharingTheLeasesMemory() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("arrow", 1 << 20);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            try (ArrowBuf buffer = allocator.buffer(13)) {
                assertThat(buffer.capacity()).isEqualTo(16);
                PinnedBuffer<byte[]> lease = Pools.leaseOf(buffer);
                assertThat(lease.length()).isEqualTo(16);
                assertThat(buffer.memoryAddress()).isEqualTo(lease.address());
                buffer.setInt(4, 0x12345678);
                assertThat(lease.segment().get(ValueLayout.JAVA_INT_UNALIGNED, 4)).isEqualTo(0x12345678);
                assertThat(allocator.getAllocatedMemory()).isEqualTo(16);
                assertThat(pool.stats().inUse()).isEqualTo(1);
                assertThat(pool.stats().requestedBytes()).isEqualTo(16);
            }
            try (ArrowBuf big = allocator.buffer(600_000)) {
                assertThat(big.capacity()).as("no power-of-two rounding").isEqualTo(600_000);
                assertThat(pool.stats().backingBytes() - 16).as("a 1.25x size class, not 1 MiB")
                        .isLessThanOrEqualTo(600_000 * 5 / 4);
            }
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void resizedPoolShouldServeItsNewLargestSizeWhileOldBuffersStayValid() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("growing", 1 << 16);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            ArrowBuf old = allocator.buffer(1 << 16);
            old.setLong(0, 99);
            assertThatThrownBy(() -> allocator.buffer(1 << 17)).isInstanceOf(OutOfMemoryException.class);
            pool.resize(1 << 17);
            try (ArrowBuf larger = allocator.buffer(1 << 17)) {
                assertThat(larger.capacity()).isEqualTo(1 << 17);
            }
            assertThat(old.getLong(0)).as("a buffer of the old shape is untouched").isEqualTo(99);
            old.close();
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void emptyBufferShouldRentNothing() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("arrow", 1 << 16);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
             ArrowBuf empty = allocator.buffer(0)) {
            assertThat(empty.capacity()).isZero();
            assertThat(empty.memoryAddress()).isNotZero();
            assertThat(pool.stats().rents()).isZero();
        }
    }

    @Test
    void bufferLargerThanTheLargestShouldBeRefusedNamingBothSizesAndGiveArrowItsBytesBack() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("frames", 1 << 16);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            assertThatThrownBy(() -> allocator.buffer((1 << 16) + 1)).isInstanceOf(OutOfMemoryException.class)
                    .hasMessage("Arrow buffer of 65544 bytes does not fit pool 'frames', whose largest buffer is 65536 "
                            + "bytes: raise the pool's buffer-size to at least 65544 bytes (for an IPC stream, its "
                            + "largest record batch body)");
            assertThat(allocator.getAllocatedMemory()).isZero();
            assertThat(pool.stats().rents()).isZero();
            try (ArrowBuf largest = allocator.buffer(1 << 16)) {
                assertThat(largest.capacity()).as("the largest size itself is served").isEqualTo(1 << 16);
            }
        }
    }

    @Test
    void budgetShouldApplyAndItsRefusalBeArrowsOutOfMemoryWithTheBudgetAsCause() {
        MemoryBudget budget = new MemoryBudget(256 << 10);
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("budgeted", 1 << 16, budget);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            List<ArrowBuf> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(allocator.buffer(64 << 10));
            }
            assertThatThrownBy(() -> allocator.buffer(64 << 10)).isInstanceOf(OutOfMemoryException.class)
                    .hasMessageStartingWith("Arrow buffer of 65536 bytes refused by pool 'budgeted': ")
                    .hasCauseInstanceOf(MemoryBudgetExceededException.class);
            assertThat(budget.usedBytes()).isLessThanOrEqualTo(budget.limitBytes());
            assertThat(allocator.getAllocatedMemory()).as("Arrow gave back the refused bytes").isEqualTo(4L * (64 << 10));
            held.removeFirst().close();
            try (ArrowBuf again = allocator.buffer(64 << 10)) {
                assertThat(again.capacity()).as("a released lease serves the next").isEqualTo(64 << 10);
            }
            held.forEach(ArrowBuf::close);
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void vectorTooLargeForThePoolShouldFailAsArrowExpectsOfAnyAllocator() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("small", 1 << 16);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
             BigIntVector vector = new BigIntVector("values", allocator)) {
            vector.setInitialCapacity(1 << 16);
            assertThat(vector.allocateNewSafe()).as("512 KiB of values in a 64 KiB pool").isFalse();
            vector.setInitialCapacity(1 << 12);
            assertThat(vector.allocateNewSafe()).isTrue();
            vector.setSafe(4095, 7L);
            vector.setValueCount(4096);
            assertThat(vector.get(4095)).isEqualTo(7L);
            assertThat(pool.stats().inUse()).isEqualTo(1);
        }
    }

    @Test
    void waitingRentShouldBeServedByAReleaseOnAnotherThread() throws Exception {
        MemoryBudget budget = new MemoryBudget(64 << 10);
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).name("waiting")
                .bufferSize(64 << 10).maxWait(Duration.ofSeconds(20)).budget(budget).backend(Pools.MLOCK).build();
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            ArrowBuf first = allocator.buffer(64 << 10);
            CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> {
                try (ArrowBuf buffer = allocator.buffer(64 << 10)) {
                    return buffer.capacity();
                }
            });
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
            first.close();
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(64 << 10);
        }
    }

    @Test
    void leaseShouldLastUntilTheLastOwnerAcrossChildAllocatorsReleasesIt() {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("arrow", 1 << 16);
             BufferAllocator root = PinnedArrow.rootAllocator(pool);
             BufferAllocator producer = root.newChildAllocator("producer", 0, Long.MAX_VALUE);
             BufferAllocator consumer = root.newChildAllocator("consumer", 0, Long.MAX_VALUE)) {
            ArrowBuf original = producer.buffer(4096);
            PinnedBuffer<byte[]> lease = Pools.leaseOf(original);
            ArrowBuf slice = original.slice(1024, 1024);
            slice.getReferenceManager().retain();
            OwnershipTransferResult transfer = original.getReferenceManager().transferOwnership(original, consumer);
            ArrowBuf moved = transfer.getTransferredBuffer();
            original.close();
            assertThat(lease.isPinned()).as("the consumer and the slice still hold it").isTrue();
            assertThat(consumer.getAllocatedMemory()).isEqualTo(4096);
            moved.close();
            assertThat(lease.isPinned()).as("the slice still holds it").isTrue();
            slice.close();
            assertThat(lease.isPinned()).isFalse();
            assertThat(pool.stats().inUse()).isZero();
            assertThat(pool.stats().returns()).isEqualTo(1);
        }
    }

    @Test
    void allocatorClosedWithALeakShouldThrowArrowsErrorWhileThePoolStillCountsTheLease() {
        PinnedMemoryPool<byte[]> pool = Pools.bytes("leaky", 1 << 16);
        BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
        ArrowBuf kept = allocator.buffer(8192);
        PinnedBuffer<byte[]> lease = Pools.leaseOf(kept);

        assertThatIllegalStateException().isThrownBy(allocator::close)
                .withMessageStartingWith("Memory was leaked by query. Memory leaked: (8192)");
        assertThat(pool.stats().inUse()).as("the allocator's close takes no memory back from a held buffer")
                .isEqualTo(1);
        assertThat(lease.isPinned()).isTrue();
        kept.setLong(0, 42);                     // still the holder's memory, not someone else's

        kept.close();
        assertThat(lease.isPinned()).as("a late release still ends the lease").isFalse();
        assertThat(pool.stats().inUse()).isZero();
        pool.close();
    }

    @Test
    void bufferDroppedWithoutReleaseShouldBeFreedAndCountedByThePool() {
        PinnedMemoryPool<byte[]> pool = Pools.bytes("dropped", 1 << 16);
        BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
        allocator.buffer(4096);                  // never released: only the ledger holds the lease now
        assertThatIllegalStateException().isThrownBy(allocator::close).withMessageContaining("Memory leaked: (4096)");
        allocator = null;

        await().atMost(20, TimeUnit.SECONDS).until(() -> {
            System.gc();
            return pool.stats().leaks() == 1;
        });
        assertThat(pool.stats().inUse()).isZero();
        pool.close();
    }

    @Test
    void allocatorShouldServeManyThreadsAndEndWithEveryLeaseBack() throws Exception {
        try (PinnedMemoryPool<byte[]> pool = Pools.bytes("shared", 1 << 16);
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            int threads = 2;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                int seed = t;
                workers.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < 2000; i++) {
                        int size = 8 + ((i * 7919 + seed * 104729) % (1 << 16 - 8));
                        try (ArrowBuf buffer = allocator.buffer(size)) {
                            buffer.setByte(buffer.capacity() - 1, i);
                        }
                    }
                }, executor));
            }
            try {
                for (CompletableFuture<Void> worker : workers) {
                    worker.get(60, TimeUnit.SECONDS);
                }
            } finally {
                executor.shutdownNow();
            }
            assertThat(allocator.getAllocatedMemory()).isZero();
            assertThat(pool.stats().inUse()).isZero();
            assertThat(pool.stats().rents()).isEqualTo(4000);
        }
    }

    @Test
    void rootAllocatorShouldRefuseAPoolOfAnotherElementTypeOrAClosedPool() {
        try (PinnedMemoryPool<float[]> floats = PinnedMemoryPool.builder(ElementType.FLOAT).name("floats")
                .bufferSize(16).backend(Pools.MLOCK).build()) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            PinnedMemoryPool<byte[]> disguised = (PinnedMemoryPool) floats;
            assertThatIllegalArgumentException().isThrownBy(() -> PinnedArrow.rootAllocator(disguised))
                    .withMessage("Arrow buffers need a pool of BYTE elements, but pool 'floats' holds FLOAT elements");
        }
        PinnedMemoryPool<byte[]> closed = Pools.bytes("closed", 4096);
        closed.close();
        assertThatIllegalStateException().isThrownBy(() -> PinnedArrow.rootAllocator(closed))
                .withMessage("pool 'closed' is closed");
    }

    @Test
    void allocatorShouldFailCleanlyOnceItsPoolIsClosed() {
        PinnedMemoryPool<byte[]> pool = Pools.bytes("shut", 1 << 16);
        try (BufferAllocator allocator = PinnedArrow.rootAllocator(pool)) {
            pool.close();
            assertThatIllegalStateException().isThrownBy(() -> allocator.buffer(64)).withMessageContaining("closed");
            assertThat(allocator.getAllocatedMemory()).isZero();
        }
    }

    @Test
    void defaultAllocatorOfArrowShouldStayIndependent() {
        try (BufferAllocator arrows = new RootAllocator(); ArrowBuf buffer = arrows.buffer(64)) {
            assertThat(buffer.getReferenceManager()).isNotNull();
            assertThat(((org.apache.arrow.memory.BufferLedger) buffer.getReferenceManager()).getAllocationManager())
                    .isNotInstanceOf(PoolAllocationManager.class);
        }
    }
}
