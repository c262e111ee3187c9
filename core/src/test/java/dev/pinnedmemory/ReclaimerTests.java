package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The reclaimer survives failing frees, reports them, and gives memory back early when a rent needs it. */
class ReclaimerTests {

    /** Unlocked memory whose free (the arena's cleanup) can be made to throw or to block. */
    private static final class TroubledBackend implements PageLockingBackend {
        final AtomicInteger frees = new AtomicInteger();
        volatile Throwable failNextFree;
        volatile CountDownLatch blockFrees;
        volatile CountDownLatch freeing = new CountDownLatch(1);

        @Override
        public String name() {
            return "troubled";
        }

        @Override
        public boolean pageLocked() {
            return false;
        }

        @Override
        public MemorySegment allocate(long bytes, Arena arena) {
            return Backends.UNLOCKED.allocate(bytes, arena).reinterpret(arena, ignored -> free());
        }

        private void free() {
            frees.incrementAndGet();
            Throwable failure = failNextFree;
            failNextFree = null;
            CountDownLatch block = blockFrees;     // read before the test is told this free began
            freeing.countDown();
            if (block != null) {
                try {
                    block.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure instanceof Error error) {
                throw error;
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
        }
    }

    @Test
    void anErrorInACleanupShouldBeCountedAndTheThreadShouldGoOn() throws Exception {
        Reclaimer reclaimer = new Reclaimer("troubled-reclaimer");
        TroubledBackend backend = new TroubledBackend();
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, reclaimer, new LeakRecorder())
                .bufferSize(4096).maxSize(0).name("troubled").build()) {
            backend.failNextFree = new AssertionError("injected Error in a cleanup");
            pool.rent().close();      // maxSize 0: freed at once, its cleanup throws an Error
            pool.rent().close();      // freed normally afterwards, by the same thread
            assertThat(reclaimer.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
            assertThat(backend.frees.get()).isEqualTo(2);
            assertThat(reclaimer.failures()).isEqualTo(1);
            assertThat(pool.stats().pinnedBytes()).isZero();
            assertThat(pool.budget().usedBytes()).isZero();
        }
    }

    @Test
    void aFailedFreeShouldBeReportedAndItsAccountingStillSettled() throws Exception {
        Reclaimer reclaimer = new Reclaimer("failing-free-reclaimer");
        TroubledBackend backend = new TroubledBackend();
        MemoryBudget budget = new MemoryBudget(1 << 20);
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, reclaimer, new LeakRecorder())
                .bufferSize(4096).maxSize(0).budget(budget).name("failing").build()) {
            backend.failNextFree = new IllegalArgumentException("injected munmap failure");
            pool.rent().close();
            assertThat(reclaimer.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
            assertThat(reclaimer.failures()).isEqualTo(1);
            assertThat(budget.usedBytes()).isZero();
        }
    }

    @Test
    void aRentRefusedForBudgetShouldFirstGiveBackMemoryThatIsFreedButStillQueued() throws Exception {
        Reclaimer reclaimer = new Reclaimer("slow-reclaimer");
        TroubledBackend backend = new TroubledBackend();
        MemoryBudget budget = new MemoryBudget(8192);
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, reclaimer, new LeakRecorder())
                .bufferSize(4096).maxSize(0).budget(budget).name("queued").build()) {
            CountDownLatch release = new CountDownLatch(1);
            backend.blockFrees = release;
            pool.rent().close();                        // the reclaimer thread is now stuck freeing this one
            backend.freeing.await();
            backend.blockFrees = null;
            pool.rent().close();                        // queued behind it: freed, but its budget bytes still held
            assertThat(budget.usedBytes()).isEqualTo(8192);
            try (PinnedBuffer<byte[]> buffer = pool.rent()) {   // gives the queued one back first instead of failing
                assertThat(buffer.length()).isEqualTo(4096);
                assertThat(budget.usedBytes()).isEqualTo(8192);
            }
            release.countDown();
            assertThat(reclaimer.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
            assertThat(budget.usedBytes()).isZero();
            assertThat(reclaimer.failures()).isZero();
        }
    }

    @Test
    void aReclaimerInterruptedContinuouslyShouldStillCollectFencesFreeMemoryAndRunItsTrims() throws Exception {
        Reclaimer reclaimer = new Reclaimer("interrupted-reclaimer");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong interrupts = new AtomicLong();
        AtomicInteger trims = new AtomicInteger();
        Object owner = new Object();
        Thread interrupter = Thread.ofPlatform().name("interrupter").start(() -> {
            while (!stop.get()) {
                reclaimer.thread().interrupt();   // as thread-pool shutdown code that interrupts threads it does not own
                interrupts.incrementAndGet();
                Thread.onSpinWait();
            }
        });
        try (PinnedMemoryPool<byte[]> fenced = Backends.pool(ElementType.BYTE, Backends.MLOCK, reclaimer,
                new LeakRecorder()).bufferSize(4096).maxSize(2).name("fenced").build();
             PinnedMemoryPool<byte[]> dropping = Backends.pool(ElementType.BYTE, Backends.UNLOCKED, reclaimer,
                     new LeakRecorder()).bufferSize(4096).maxSize(0).name("dropping").build()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> interrupts.get() > 1_000);
            reclaimer.every(TimeUnit.MILLISECONDS.toNanos(1), owner, ignored -> trims.incrementAndGet());
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Void> transfer = new CompletableFuture<>();
                fenced.rent().closeAfter(TransferFence.of(transfer));
                transfer.complete(null);
                // Nobody rents or returns meanwhile: only the interrupted reclaimer can collect the fence.
                await().atMost(Duration.ofSeconds(5)).until(() -> fenced.stats().fenced() == 0);
                assertThat(fenced.stats().idle()).isEqualTo(1);
                dropping.rent().close();    // maxSize 0: freed, its arena queued for the reclaimer
                await().atMost(Duration.ofSeconds(5)).until(() -> reclaimer.pending() == 0);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> trims.get() >= 3);
            assertThat(reclaimer.thread().isAlive()).isTrue();
            assertThat(reclaimer.failures()).isZero();
        } finally {
            stop.set(true);
            interrupter.join();
        }
        assertThat(owner).isNotNull();
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
}
