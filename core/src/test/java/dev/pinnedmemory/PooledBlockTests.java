package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pool's entry for an allocation ({@link PooledBlock}) and what it does: standalone memory has no
 * entry, a pool's entry owns its allocation, and the allocation is freed exactly once whatever the
 * entry, the pool and the Cleaner do. With {@code strictSegments} the entry opens each lease's
 * segment in an arena of its own, which throws once the lease ends, is scoped to the lease's
 * length, and, while a native call still holds it, keeps the block held like fenced memory.
 */
class PooledBlockTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("pool-entry-tests-reclaimer");
    private static final int BYTES = 4096;

    private static PinnedMemoryPool.Builder<byte[]> pool(CountingBackend backend, MemoryBudget budget) {
        return PinnedMemoryPool.builder(ElementType.BYTE).allocator(new LeakRecorder().allocator(backend, RECLAIMER))
                .budget(budget).bufferSize(BYTES).maxSize(2).clearOnReturn(false).name("entries");
    }

    @Test
    void aStandaloneBufferShouldHoldAnAllocationWithoutAPooledBlock() {
        try (PinnedBuffer<byte[]> buffer = PinnedBuffer.allocate(ElementType.BYTE, BYTES)) {
            NativeBlock.Anchor anchor = buffer.held();

            assertThat(anchor.block.owner).as("no pool, no entry").isInstanceOf(StandaloneOwner.class);
            assertThat(anchor.block.bytes).isEqualTo(BYTES);
        }
    }

    @Test
    void aPooledBufferShouldHoldAnEntryThatOwnsItsAllocationAndCountsItsLeases() {
        CountingBackend backend = new CountingBackend(Backends.UNLOCKED);
        try (PinnedMemoryPool<byte[]> pool = pool(backend, MemoryBudget.unlimited()).build()) {
            NativeBlock.Anchor first;
            PooledBlock entry;
            try (PinnedBuffer<byte[]> buffer = pool.rent(100)) {
                first = buffer.held();
                assertThat(first.block.owner).as("the entry is told when its allocation goes").isInstanceOf(PooledBlock.class);
                entry = PooledBlock.of(first);
                assertThat(entry.block).isSameAs(first.block);
                assertThat(entry.sizeClass.bytes).isEqualTo(first.block.bytes);
                assertThat(entry.rentCount()).isEqualTo(1);
                assertThat(entry.returnCount()).isZero();
            }
            try (PinnedBuffer<byte[]> again = pool.rent(200)) {
                assertThat(again.held()).as("the idle entry is rented again").isSameAs(first);
                assertThat(entry.rentCount()).isEqualTo(2);
                assertThat(entry.returnCount()).isEqualTo(1);
                assertThat(entry.askedByteCount()).isEqualTo(300);
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
            NativeBlock.Anchor anchor = buffer.held();
            assertThat(PooledBlock.of(anchor).hasLeaseScope()).isTrue();

            anchor.block.free();
            RECLAIMER.drainNow();

            assertThat(segment.scope().isAlive()).as("the lease's scope closes with the memory").isFalse();
            assertThat(PooledBlock.of(anchor).hasLeaseScope()).isFalse();
            buffer.close();
            assertThat(backend.frees()).isEqualTo(1);
        }
    }

    @Test
    void strictSegmentsShouldMakeAKeptSegmentThrowOnceTheLeaseEnds() {
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(16).maxSize(1)
                .strictSegments(true).backend(Backends.MLOCK).name("strict").build()) {
            PinnedBuffer<float[]> buffer = pool.rent();
            MemorySegment kept = buffer.segment();
            kept.set(ValueLayout.JAVA_FLOAT, 0, 1f);
            long address = buffer.address();
            buffer.close();
            assertThatThrownBy(() -> kept.set(ValueLayout.JAVA_FLOAT, 0, 42f)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> kept.get(ValueLayout.JAVA_FLOAT, 0)).isInstanceOf(IllegalStateException.class);
            try (PinnedBuffer<float[]> next = pool.rent()) {
                assertThat(next.address()).as("the same memory, under a new scope").isEqualTo(address);
                assertThat(next.segment().get(ValueLayout.JAVA_FLOAT, 0)).isZero();
                next.segment().set(ValueLayout.JAVA_FLOAT, 0, 7f);
                assertThat(next.toArray()[0]).isEqualTo(7f);
            }
        }
    }

    @Test
    void strictSegmentsShouldScopeAShorterLeaseToItsOwnLength() {
        try (PinnedMemoryPool<int[]> pool = PinnedMemoryPool.builder(ElementType.INT).bufferSize(64).minBufferSize(8)
                .strictSegments(true).backend(Backends.MLOCK).name("strict-classes").build();
             PinnedBuffer<int[]> buffer = pool.rent(10)) {
            assertThat(buffer.length()).isEqualTo(10);
            assertThat(buffer.segment().byteSize()).isEqualTo(40);
            assertThatThrownBy(() -> buffer.segment().getAtIndex(ValueLayout.JAVA_INT, 10))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    /** libc pipe, read and write through the FFM linker: a native call that holds a segment while it blocks. */
    private static final class Pipe implements AutoCloseable {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle PIPE = LINKER.downcallHandle(LINKER.defaultLookup().find("pipe").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        private static final MethodHandle READ = LINKER.downcallHandle(LINKER.defaultLookup().find("read").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final MethodHandle WRITE = LINKER.downcallHandle(LINKER.defaultLookup().find("write").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        final int readFd;
        final int writeFd;

        Pipe() throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
                assertThat((int) PIPE.invokeExact(fds)).isZero();
                readFd = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
                writeFd = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            }
        }

        long read(MemorySegment into) throws Throwable {
            return (long) READ.invokeExact(readFd, into, into.byteSize());
        }

        void write(byte[] bytes) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
                assertThat((long) WRITE.invokeExact(writeFd, data, (long) bytes.length)).isEqualTo(bytes.length);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                int ignoredRead = (int) CLOSE.invokeExact(readFd);
                int ignoredWrite = (int) CLOSE.invokeExact(writeFd);
            } catch (Throwable t) {
                throw new Exception(t);
            }
        }
    }

    @Test
    void aStrictLeaseStillHeldByANativeCallShouldKeepItsMemoryUntilTheCallReturns() throws Throwable {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        LeakRecorder leaks = new LeakRecorder();
        int heldByTheCall = 0;
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, RECLAIMER, leaks).bufferSize(4096)
                .maxSize(1).clearOnReturn(false).strictSegments(true).name("strict-native").build()) {
            for (int attempt = 0; attempt < 50 && heldByTheCall < 3; attempt++) {
                try (Pipe pipe = new Pipe()) {
                    PinnedBuffer<byte[]> lease = pool.rent();
                    MemorySegment target = lease.segment();
                    long address = lease.address();
                    CompletableFuture<Long> transfer = new CompletableFuture<>();
                    Thread reader = Thread.ofPlatform().start(() -> {
                        try {
                            transfer.complete(pipe.read(target));
                        } catch (Throwable t) {
                            transfer.completeExceptionally(t);
                        }
                    });
                    while (reader.getState() == Thread.State.NEW) {
                        Thread.onSpinWait();
                    }
                    for (int spin = 0; spin < 1000; spin++) {
                        Thread.yield();
                    }
                    if (attempt % 2 == 0) {
                        lease.closeAfter(TransferFence.of(transfer));   // the transfer still writes into it
                    } else {
                        lease.close();                                 // a buggy close while the call runs
                    }
                    boolean stillReading = !transfer.isDone();
                    if (stillReading && pool.stats().fenced() == 1) {
                        heldByTheCall++;
                        assertThat(backend.liveBlocks()).as("memory under a native call is never freed").isEqualTo(1);
                        pipe.write(new byte[] {42, 43});
                        assertThat(transfer.get(10, TimeUnit.SECONDS)).isEqualTo(2);
                        TransferFenceTests.awaitFenced(pool, 0);
                        try (PinnedBuffer<byte[]> next = pool.rent()) {
                            assertThat(next.address()).isEqualTo(address);
                            assertThat(next.toArray()[1]).as("the call's data landed in memory still ours").isEqualTo((byte) 43);
                        }
                    } else {
                        // The call had not started: the lease's scope closed first and the call was refused.
                        pipe.write(new byte[] {1});
                        assertThatThrownBy(() -> transfer.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                                .hasCauseInstanceOf(IllegalStateException.class);
                        TransferFenceTests.awaitFenced(pool, 0);
                    }
                    reader.join();
                }
            }
        }
        assertThat(heldByTheCall).as("attempts that closed while the call held the segment").isPositive();
        assertThat(leaks.reports).isEmpty();
        assertThat(backend.doubleFrees()).isZero();
    }
}
