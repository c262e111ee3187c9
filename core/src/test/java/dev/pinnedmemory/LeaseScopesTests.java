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
 * {@code strictSegments}: each lease gets a segment of its own arena ({@code LeaseScopes}), which
 * throws once the lease ends, is scoped to the lease's length, and, while a native call still holds
 * it, keeps the block held like fenced memory.
 */
class LeaseScopesTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("lease-scopes-tests-reclaimer");

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
