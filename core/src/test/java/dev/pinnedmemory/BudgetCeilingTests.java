package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The budget is a hard ceiling: no interleaving of rents, returns, resizes and warm-ups exceeds it. */
class BudgetCeilingTests {

    private static final long LIMIT = 64 << 10;
    private static final Reclaimer RECLAIMER = new Reclaimer("budget-ceiling-tests-reclaimer");

    @Test
    void rentersOnTwoPoolsAndAResizerShouldNeverTakeTheBudgetOverItsLimit() throws Exception {
        MemoryBudget budget = new MemoryBudget(LIMIT);
        try (PinnedMemoryPool<byte[]> a = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(8 << 10).initialSize(2)
                .maxSize(4).budget(budget).backend(Backends.MLOCK).name("a").build();
             PinnedMemoryPool<byte[]> b = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(8 << 10).initialSize(2)
                .maxSize(4).budget(budget).backend(Backends.MLOCK).name("b").build()) {
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicLong highest = new AtomicLong();
            AtomicLong samples = new AtomicLong();
            CountDownLatch working = new CountDownLatch(5);
            List<Thread> threads = new ArrayList<>();
            for (PinnedMemoryPool<byte[]> pool : List.of(a, b, a, b)) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 3_000; i++) {
                            try (PinnedBuffer<byte[]> buffer = pool.rent()) {
                                buffer.fill(1);
                            } catch (MemoryBudgetExceededException refused) {
                                // expected now and then: the budget is small on purpose
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        working.countDown();
                    }
                }));
            }
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        for (PinnedMemoryPool<byte[]> pool : List.of(a, b)) {
                            try {
                                pool.resize(pool.bufferSize() == 8 << 10 ? 16 << 10 : 8 << 10);
                            } catch (MemoryBudgetExceededException refused) {
                                // a resize that cannot fit is refused, never forced through
                            }
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    working.countDown();
                }
            }));
            Thread sampler = Thread.ofPlatform().start(() -> {
                while (working.getCount() > 0) {
                    highest.accumulateAndGet(budget.usedBytes(), Math::max);
                    samples.incrementAndGet();
                }
            });
            for (Thread thread : threads) {
                thread.join();
            }
            sampler.join();
            assertThat(failures).isEmpty();
            assertThat(samples.get()).isGreaterThan(1000);
            assertThat(highest.get()).as("the most bytes held at any sample").isLessThanOrEqualTo(LIMIT);
            assertThat(budget.usedBytes()).isEqualTo(a.stats().pinnedBytes() + b.stats().pinnedBytes());
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void aResizeThatCannotFitShouldBeRefusedBeforeAnythingIsFreed() {
        MemoryBudget budget = new MemoryBudget(40 << 10);
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(8 << 10).initialSize(2)
                .maxSize(4).budget(budget).backend(Backends.MLOCK).name("tight").build()) {
            PinnedBuffer<byte[]> rented = pool.rent();
            long idleBefore = pool.stats().idle();
            long usedBefore = budget.usedBytes();
            assertThatThrownBy(() -> pool.resize(32 << 10)).isInstanceOf(MemoryBudgetExceededException.class)
                    .hasMessageContaining("requested 65536 bytes").hasMessageContaining("limit 40960 bytes")
                    .hasMessageContaining("of which 8192 bytes idle in pool 'tight' would be given back");
            assertThat(pool.bufferSize()).isEqualTo(8 << 10);
            assertThat(pool.stats().idle()).isEqualTo(idleBefore);
            assertThat(budget.usedBytes()).isEqualTo(usedBefore);
            rented.close();
        }
    }

    @Test
    void aResizeShouldGiveTheOldIdleMemoryBackBeforeLockingTheNew() {
        PeakTrackingBackend backend = new PeakTrackingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64 << 10)
                .initialSize(4).maxSize(4).backend(backend).warmupThreads(1).name("swap").build()) {
            assertThat(backend.liveBytes()).isEqualTo(256 << 10);
            backend.resetPeak();
            pool.resize(96 << 10);
            assertThat(backend.liveBytes()).isEqualTo(384 << 10);
            assertThat(backend.peakBytes()).as("old and new never locked at once").isEqualTo(384 << 10);
        }
    }

    @Test
    void aResizeWithinABudgetThatHoldsOnlyOneGenerationShouldSucceed() {
        MemoryBudget budget = new MemoryBudget(48 << 10);
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(16 << 10).initialSize(2)
                .maxSize(2).budget(budget).backend(Backends.MLOCK).name("one-generation").build()) {
            pool.resize(24 << 10);    // 2 x 24 KiB fits only once the 2 x 16 KiB idle buffers are given back
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(budget.usedBytes()).isEqualTo(48 << 10);
        }
        assertThat(budget.usedBytes()).isZero();
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
}
