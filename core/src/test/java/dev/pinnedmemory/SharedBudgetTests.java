package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One budget serves every pool on it: idle buffers of one pool are given up for another pool's
 * renters (plain and waiting rents), never rented or fenced memory, and nothing is freed for a rent
 * that could not fit anyway.
 */
class SharedBudgetTests {

    private static final int KB = 1024;
    private static final Reclaimer RECLAIMER = new Reclaimer("shared-budget-reclaimer");

    private static PinnedMemoryPool<byte[]> pool(MemoryBudget budget, String name, int bufferBytes, int initial,
                                                 int max) {
        return Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, new LeakRecorder()).bufferSize(bufferBytes)
                .initialSize(initial).maxSize(max).budget(budget).name(name).build();
    }

    @Test
    void rentWhenBudgetFullOfAnotherPoolsIdleBuffersShouldFreeThemAndServeTheRenter() {
        MemoryBudget budget = new MemoryBudget(128 * KB);
        try (PinnedMemoryPool<byte[]> hoarder = pool(budget, "hoarder", 64 * KB, 2, 2);
             PinnedMemoryPool<byte[]> other = pool(budget, "other", 64 * KB, 0, 2)) {
            assertThat(budget.usedBytes()).isEqualTo(128 * KB);
            try (PinnedBuffer<byte[]> first = other.rent()) {
                assertThat(first.length()).isEqualTo(64 * KB);
                assertThat(hoarder.stats().idle()).isEqualTo(1);
                assertThat(hoarder.stats().dropped()).isEqualTo(1);
                try (PinnedBuffer<byte[]> second = other.rentWaiting(64 * KB)) {
                    assertThat(second.length()).isEqualTo(64 * KB);
                    assertThat(hoarder.stats().idle()).isZero();
                    assertThat(hoarder.stats().pinnedBytes()).isZero();
                    assertThat(budget.usedBytes()).isEqualTo(128 * KB);
                }
            }
            // And back: the hoarder's renters are served from the other pool's idle buffers.
            assertThat(other.stats().idle()).isEqualTo(2);
            try (PinnedBuffer<byte[]> again = hoarder.rent(); PinnedBuffer<byte[]> more = hoarder.rent()) {
                assertThat(again.length() + more.length()).isEqualTo(128 * KB);
                assertThat(other.stats().idle()).isZero();
            }
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void rentWaitingWithThreePoolsShouldBeServedByTheIdleBuffersOfBothOthersLargestFirst() {
        MemoryBudget budget = new MemoryBudget(192 * KB);
        try (PinnedMemoryPool<byte[]> big = pool(budget, "big", 96 * KB, 1, 1);
             PinnedMemoryPool<byte[]> small = pool(budget, "small", 32 * KB, 3, 3);
             PinnedMemoryPool<byte[]> renter = pool(budget, "renter", 64 * KB, 0, 3)) {
            assertThat(budget.usedBytes()).isEqualTo(192 * KB);
            PinnedBuffer<byte[]> first = renter.rentWaiting();
            assertThat(big.stats().idle()).as("the largest idle buffer goes first").isZero();
            assertThat(small.stats().idle()).isEqualTo(3);
            PinnedBuffer<byte[]> second = renter.rent(Duration.ofSeconds(5));
            assertThat(small.stats().idle()).as("then as many as the rent needs, no more").isEqualTo(2);
            PinnedBuffer<byte[]> third = renter.rent();
            assertThat(small.stats().idle()).isZero();
            assertThat(budget.usedBytes()).isEqualTo(192 * KB);
            assertThatThrownBy(renter::rent).isInstanceOf(MemoryBudgetExceededException.class)
                    .hasMessageContaining("used 196608 bytes, limit 196608 bytes")
                    .satisfies(e -> assertThat(((MemoryBudgetExceededException) e).pool()).isEqualTo("renter"));
            first.close();
            second.close();
            third.close();
        }
    }

    @Test
    void aRentThatCannotFitEvenWithAllIdleMemoryGivenBackShouldFreeNothing() {
        MemoryBudget budget = new MemoryBudget(192 * KB);
        try (PinnedMemoryPool<byte[]> holder = pool(budget, "holder", 64 * KB, 3, 3);
             PinnedMemoryPool<byte[]> wide = pool(budget, "wide", 192 * KB, 0, 1);
             PinnedBuffer<byte[]> rented = holder.rent()) {
            // 64 KiB rented: at most 128 KiB could be made free, less than the 192 KiB asked.
            assertThatThrownBy(wide::rent).isInstanceOf(MemoryBudgetExceededException.class);
            assertThatThrownBy(() -> wide.rent(Duration.ofMillis(20))).isInstanceOf(MemoryBudgetExceededException.class);
            assertThat(holder.stats().idle()).as("nothing was freed for a rent that could not fit").isEqualTo(2);
            assertThat(holder.stats().dropped()).isZero();
            assertThat(rented.length()).isEqualTo(64 * KB);
        }
    }

    @Test
    void aRentThatCannotFitShouldNotFreeTheIdleBuffersOfItsOwnOtherSizeClasses() {
        MemoryBudget budget = new MemoryBudget(112 * KB);
        try (PinnedMemoryPool<byte[]> classes = Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER,
                new LeakRecorder()).bufferSize(64 * KB).minBufferSize(16 * KB).maxSize(4).budget(budget)
                .name("classes").build()) {
            PinnedBuffer<byte[]> large = classes.rent();
            classes.rent(16 * KB).close();
            classes.rent(20 * KB).close();
            assertThat(budget.usedBytes()).isEqualTo(64 * KB + 16 * KB + 20 * KB);
            // A second 64 KiB buffer needs 64 KiB; 12 KiB are free and 36 KiB idle: nothing may be freed.
            assertThatThrownBy(classes::rent).isInstanceOf(MemoryBudgetExceededException.class);
            assertThat(classes.stats().idle()).isEqualTo(2);
            large.close();
        }
    }

    @Test
    void fencedAndRentedMemoryOfAnotherPoolShouldNeverBeTaken() {
        MemoryBudget budget = new MemoryBudget(128 * KB);
        try (PinnedMemoryPool<byte[]> busy = pool(budget, "busy", 64 * KB, 0, 2);
             PinnedMemoryPool<byte[]> other = pool(budget, "other", 64 * KB, 0, 2)) {
            PinnedBuffer<byte[]> rented = busy.rent();
            PinnedBuffer<byte[]> inFlight = busy.rent();
            inFlight.fill((byte) 7);
            CompletableFuture<Void> transfer = new CompletableFuture<>();
            MemorySegment memory = inFlight.segment();
            inFlight.closeAfter(TransferFence.of(transfer));
            assertThatThrownBy(other::rent).isInstanceOf(MemoryBudgetExceededException.class);
            assertThat(memory.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
            assertThat(busy.stats().fenced()).isEqualTo(1);
            assertThat(busy.stats().inUse()).isEqualTo(1);
            transfer.complete(null);
            // The fenced buffer comes back idle; the waiting rent frees it and is served.
            try (PinnedBuffer<byte[]> served = other.rent(Duration.ofSeconds(5))) {
                assertThat(served.length()).isEqualTo(64 * KB);
            }
            rented.close();
        }
    }

    @Test
    void aWaitingRenterShouldBeServedWhenAnotherPoolReturnsABufferItKeepsIdle() throws Exception {
        MemoryBudget budget = new MemoryBudget(64 * KB);
        try (PinnedMemoryPool<byte[]> keeper = pool(budget, "keeper", 64 * KB, 0, 1);
             PinnedMemoryPool<byte[]> waiter = pool(budget, "waiter", 64 * KB, 0, 1)) {
            PinnedBuffer<byte[]> held = keeper.rent();
            CountDownLatch waiting = new CountDownLatch(1);
            CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> {
                waiting.countDown();
                try (PinnedBuffer<byte[]> buffer = waiter.rent(Duration.ofSeconds(10))) {
                    return buffer.length();
                }
            });
            waiting.await();
            await().atMost(Duration.ofSeconds(5)).until(() -> waiter.stats().waiting() == 1);
            held.close();   // kept idle by 'keeper' (maxSize 1): the waiter must take it over
            assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo(64 * KB);
            assertThat(keeper.stats().idle()).isZero();
        }
    }

    @Test
    void resizeWithoutInitialBuffersToASizeLargerThanTheWholeBudgetShouldBeRefused() {
        MemoryBudget budget = new MemoryBudget(128 * KB);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "lean", 64 * KB, 0, 2)) {
            assertThatThrownBy(() -> pool.resize(256 * KB)).isInstanceOf(MemoryBudgetExceededException.class)
                    .hasMessage("pinned memory budget exceeded: requested 262144 bytes, used 0 bytes, limit 131072 bytes"
                            + " (pinned-memory.max-total-size)");
            assertThat(pool.bufferSize()).isEqualTo(64 * KB);
            pool.resize(128 * KB);
            assertThat(pool.bufferSize()).isEqualTo(128 * KB);
        }
    }

    @Test
    void anAbandonedPoolOnASharedBudgetShouldStillBeFoundUnreachableAndItsIdleMemoryFreed() throws Exception {
        MemoryBudget budget = new MemoryBudget(256 * KB);
        LeakRecorder leaks = new LeakRecorder();
        try (PinnedMemoryPool<byte[]> kept = pool(budget, "kept", 64 * KB, 1, 1)) {
            createAndDrop(budget, leaks);
            assertThat(budget.usedBytes()).isEqualTo(192 * KB);
            leaks.awaitReports(1, () -> budget.usedBytes() == 64 * KB);
            assertThat(leaks.reports).singleElement().satisfies(report -> {
                assertThat(report.abandoned()).isTrue();
                assertThat(report.what()).contains("pool 'dropped'");
            });
            assertThat(kept.stats().idle()).isEqualTo(1);
        }
    }

    private static void createAndDrop(MemoryBudget budget, LeakRecorder leaks) {
        Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks).bufferSize(64 * KB).initialSize(2)
                .maxSize(2).budget(budget).name("dropped").build();
    }

    @Test
    void twoPoolsThatKeepTakingEachOthersIdleMemoryShouldNeitherDeadlockNorExceedTheBudget() throws Exception {
        MemoryBudget budget = new MemoryBudget(128 * KB);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong served = new AtomicLong();
        AtomicBoolean over = new AtomicBoolean();
        try (PinnedMemoryPool<byte[]> a = pool(budget, "a", 64 * KB, 2, 2);
             PinnedMemoryPool<byte[]> b = pool(budget, "b", 64 * KB, 0, 2)) {
            List<Thread> threads = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(4);
            for (PinnedMemoryPool<byte[]> pool : List.of(a, b, a, b)) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 2_000; i++) {
                            try (PinnedBuffer<byte[]> buffer = pool.rent(Duration.ofSeconds(10))) {
                                buffer.fill((byte) 1);
                                served.incrementAndGet();
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        done.countDown();
                    }
                }));
            }
            Thread sampler = Thread.ofPlatform().start(() -> {
                while (done.getCount() > 0) {
                    if (budget.usedBytes() > budget.limitBytes()) {
                        over.set(true);
                    }
                }
            });
            assertThat(done.await(60, TimeUnit.SECONDS)).as("no deadlock").isTrue();
            sampler.join();
            assertThat(failures).isEmpty();
            assertThat(served.get()).isEqualTo(8_000);
            assertThat(over).isFalse();
            assertThat(budget.usedBytes()).isEqualTo(a.stats().pinnedBytes() + b.stats().pinnedBytes());
        }
    }
}
