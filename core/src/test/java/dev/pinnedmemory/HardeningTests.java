package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Attacks found by an adversarial review of the ownership redesign, each kept as a regression test:
 * fences that throw errors, a strict lease still held by a native call, a wake-up that was stolen,
 * a refused resize hiding idle buffers, the helper trimming pools in use, and budget arithmetic.
 */
class HardeningTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("hardening-tests-reclaimer");

    @Test
    void aFenceThatThrowsAnErrorAtCloseAfterShouldKeepItsMemoryHeldNotLeakIt() throws Exception {
        LeakRecorder leaks = new LeakRecorder();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        AtomicBoolean broken = new AtomicBoolean(true);
        try (PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, backend, RECLAIMER, leaks).bufferSize(256)
                .name("erroring-fence").build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            buffer.fill(7);
            MemorySegment inFlight = buffer.segment();
            buffer.closeAfter(() -> {
                if (broken.get()) {
                    throw new AssertionError("injected: a native library failed to load");
                }
                return true;
            });
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(backend.liveBlocks()).isEqualTo(1);
            assertThat(inFlight.getAtIndex(ValueLayout.JAVA_INT, 255)).isEqualTo(7);
            broken.set(false);
            TransferFenceTests.awaitFenced(pool, 0);
            assertThat(pool.stats().idle()).isEqualTo(1);
        }
        assertThat(leaks.reports).isEmpty();
    }

    @Test
    void aWakeUpForTheFencePollerShouldSurviveARentThatReclaimsMemoryItself() throws Exception {
        Reclaimer reclaimer = new Reclaimer("stolen-wake-reclaimer");
        try (PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, Backends.MLOCK, reclaimer, new LeakRecorder())
                .bufferSize(256).name("woken").build()) {
            assertThat(reclaimer.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> copy = new CompletableFuture<>();
            pool.rent().closeAfter(TransferFence.of(copy));   // queues a wake-up for the fence poller
            reclaimer.drainNow();                            // what a renter refused for budget does
            copy.complete(null);
            long start = System.nanoTime();
            TransferFenceTests.awaitFenced(pool, 0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aResizeRefusedForBudgetShouldNeverHideTheIdleBuffersFromRenters() throws Exception {
        MemoryBudget budget = new MemoryBudget(2 * 4096);
        try (PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, Backends.MLOCK, RECLAIMER, new LeakRecorder())
                .bufferSize(1024).initialSize(1).maxSize(4).budget(budget).name("hiding").build()) {
            PinnedBuffer<int[]> held = pool.rent();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong refused = new AtomicLong();
            Thread resizer = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        pool.resize(1 << 20);
                    } catch (MemoryBudgetExceededException expected) {
                        refused.incrementAndGet();
                    }
                }
            });
            try {
                // One buffer is always there for it: never refused. Goes on until the resizer was
                // refused at least a few times while rents ran (a loaded machine may start it late).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                for (int i = 0; i < 20_000 || (refused.get() < 10 && System.nanoTime() < deadline); i++) {
                    pool.rent().close();
                }
            } finally {
                stop.set(true);
                resizer.join();
            }
            assertThat(refused.get()).isPositive();
            assertThat(pool.bufferSize()).isEqualTo(1024);
            held.close();
        }
    }

    @Test
    void theHelpersTrimShouldLeavePoolsWithBuffersOutAlone() {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(PinnedMemoryPool.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord logRecord) {
                warnings.add(logRecord);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try (PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, RECLAIMER)) {
            PinnedMemory<int[]> kept = helper.pin(new int[2048], PinningStrategy.POOLED);
            helper.closeIdlePools();
            helper.closeIdlePools();
            helper.closeIdlePools();
            assertThat(kept.isPinned()).isTrue();
            assertThat(warnings).extracting(LogRecord::getMessage).noneMatch(m -> m.contains("still rented"));
            kept.close();
            helper.closeIdlePools();
            helper.closeIdlePools();
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void budgetArithmeticShouldNeitherOverflowNorGoBelowZero() {
        MemoryBudget budget = new MemoryBudget(1000);
        budget.reserve(100);
        assertThat(budget.wouldFit(Long.MAX_VALUE, 0)).isFalse();
        assertThat(budget.wouldFit(900, 0)).isTrue();
        assertThat(budget.wouldFit(901, 0)).isFalse();
        assertThat(budget.wouldFit(1000, Long.MAX_VALUE)).isTrue();
        assertThatThrownBy(() -> budget.wouldFit(-5000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> budget.release(600)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("release of 600 bytes (expected: at most the 100 bytes reserved now)");
        assertThat(budget.usedBytes()).isEqualTo(100);
        assertThat(budget.tryReserve(901)).isFalse();
        assertThat(budget.usedBytes()).isEqualTo(100);
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
