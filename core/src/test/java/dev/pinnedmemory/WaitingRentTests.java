package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Renters that wait a bounded time for memory instead of failing, as HikariCP's borrowers wait for a connection. */
class WaitingRentTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("waiting-tests-reclaimer");

    private static PinnedMemoryPool.Builder<byte[]> pool(MemoryBudget budget, String name) {
        return Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, new LeakRecorder()).bufferSize(4096)
                .maxSize(2).budget(budget).name(name);
    }

    /** Starts a waiting rent on another thread and returns once it is waiting. */
    private static CompletableFuture<PinnedBuffer<byte[]>> waitingRent(PinnedMemoryPool<byte[]> pool, Duration maxWait)
            throws InterruptedException {
        CompletableFuture<PinnedBuffer<byte[]>> result = new CompletableFuture<>();
        int before = pool.budget().waiters();
        Thread.ofPlatform().start(() -> {
            try {
                result.complete(pool.rent(maxWait));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        while (pool.budget().waiters() == before && !result.isDone()) {
            Thread.onSpinWait();
        }
        return result;
    }

    @Test
    void aWaitingRentShouldGetABufferAnotherRenterReturns() throws Exception {
        MemoryBudget budget = new MemoryBudget(4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "one").build()) {
            PinnedBuffer<byte[]> held = pool.rent();
            assertThatThrownBy(pool::rent).isInstanceOf(MemoryBudgetExceededException.class);
            CompletableFuture<PinnedBuffer<byte[]>> waiting = waitingRent(pool, Duration.ofSeconds(30));
            assertThat(pool.stats().waiting()).isEqualTo(1);
            long address = held.address();
            held.close();
            try (PinnedBuffer<byte[]> served = waiting.get()) {
                assertThat(served.address()).isEqualTo(address);
            }
            assertThat(pool.stats().waits()).isEqualTo(1);
            assertThat(pool.stats().waiting()).isZero();
            assertThat(pool.metrics().waitedNanos()).isPositive();
        }
    }

    @Test
    void aWaitingRentShouldGetABufferWhoseFenceCompleted() throws Exception {
        MemoryBudget budget = new MemoryBudget(4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "fence").build()) {
            CompletableFuture<Void> copy = new CompletableFuture<>();
            pool.rent().closeAfter(TransferFence.of(copy));
            CompletableFuture<PinnedBuffer<byte[]>> waiting = waitingRent(pool, Duration.ofSeconds(30));
            assertThat(waiting).isNotDone();
            copy.complete(null);
            try (PinnedBuffer<byte[]> served = waiting.get()) {
                assertThat(served.length()).isEqualTo(4096);
                // The collector counts the block as fenced until it has handed it on: it may still be counting.
                TransferFenceTests.awaitFenced(pool, 0);
            }
        }
    }

    @Test
    void aWaitingRentShouldBeServedWhenAnotherPoolOnTheBudgetFreesMemory() throws Exception {
        MemoryBudget budget = new MemoryBudget(4096);
        try (PinnedMemoryPool<byte[]> waiter = pool(budget, "waiter").build();
             PinnedMemoryPool<byte[]> other = pool(budget, "other").maxSize(0).build()) {
            PinnedBuffer<byte[]> held = other.rent();
            CompletableFuture<PinnedBuffer<byte[]>> waiting = waitingRent(waiter, Duration.ofSeconds(30));
            held.close();     // maxSize 0: freed, its budget bytes released
            try (PinnedBuffer<byte[]> served = waiting.get()) {
                assertThat(served.isPinned()).isTrue();
            }
        }
    }

    @Test
    void aWaitingRentShouldTimeOutAfterMaxWaitSayingHowLongItWaited() {
        MemoryBudget budget = new MemoryBudget(4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "timeout").maxWait(Duration.ofMillis(50)).build();
             PinnedBuffer<byte[]> held = pool.rent()) {
            long start = System.nanoTime();
            assertThatThrownBy(pool::rentWaiting).isInstanceOfSatisfying(MemoryBudgetExceededException.class, e -> {
                assertThat(e.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
                assertThat(e).hasMessageContaining("pool 'timeout' waited").hasMessageContaining("limit 4096 bytes");
            });
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
            assertThat(pool.stats().waitTimeouts()).isEqualTo(1);
            assertThat(pool.metrics().lastWaitTimeoutMillis()).isPositive();
            assertThat(held.isPinned()).isTrue();
        }
    }

    @Test
    void anInterruptedWaitShouldThrowAndKeepTheInterruptFlag() throws Exception {
        MemoryBudget budget = new MemoryBudget(4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "interrupted").build();
             PinnedBuffer<byte[]> held = pool.rent()) {
            CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    pool.rent(Duration.ofMinutes(5));
                    flagKept.completeExceptionally(new AssertionError("served"));
                } catch (PinnedMemoryException e) {
                    flagKept.complete(Thread.currentThread().isInterrupted() && e.getMessage().contains("interrupted"));
                }
            });
            while (budget.waiters() == 0) {
                Thread.onSpinWait();
            }
            waiter.interrupt();
            assertThat(flagKept.get()).isTrue();
            assertThat(held.isPinned()).isTrue();
        }
    }

    @Test
    void aRentWaitingWhenThePoolClosesShouldFailAtOnce() throws Exception {
        MemoryBudget budget = new MemoryBudget(4096);
        PinnedMemoryPool<byte[]> pool = pool(budget, "closing").build();
        PinnedBuffer<byte[]> held = pool.rent();
        CompletableFuture<PinnedBuffer<byte[]>> waiting = waitingRent(pool, Duration.ofMinutes(5));
        pool.close();
        assertThat(waiting).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class);
        held.close();
    }

    @Test
    void eightThreadsSharingATwoBufferBudgetShouldAllBeServedAndNeverExceedIt() throws Exception {
        MemoryBudget budget = new MemoryBudget(2 * 4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "eight").build()) {
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicLong served = new AtomicLong();
            AtomicLong highest = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 200; i++) {
                            try (PinnedBuffer<byte[]> buffer = pool.rent(Duration.ofSeconds(30))) {
                                highest.accumulateAndGet(budget.usedBytes(), Math::max);
                                buffer.fill(1);
                                served.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            assertThat(served.get()).isEqualTo(8 * 200);
            assertThat(highest.get()).isLessThanOrEqualTo(2 * 4096);
            assertThat(pool.stats().waitTimeouts()).isZero();
            assertThat(pool.stats().waiting()).isZero();
        }
    }
}
