package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryBudgetTests {

    private static PinnedMemoryPool<byte[]> pool(MemoryBudget budget, String name, int initial) {
        return PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096).initialSize(initial).maxSize(4)
                .backend(Backends.MLOCK).budget(budget).name(name).build();
    }

    @Test
    void rentsAcrossPoolsShouldStopAtTheLimitWithRequestedUsedAndLimit() {
        MemoryBudget budget = new MemoryBudget(3 * 4096);
        try (PinnedMemoryPool<byte[]> a = pool(budget, "a", 2); PinnedMemoryPool<byte[]> b = pool(budget, "b", 0)) {
            PinnedBuffer<byte[]> fromB = b.rent();
            assertThat(a.stats().idle()).as("it fit: nothing freed").isEqualTo(2);
            PinnedBuffer<byte[]> fromA = a.rent();
            PinnedBuffer<byte[]> secondB = b.rent();
            assertThat(a.stats().idle()).as("b was served by freeing a's idle buffer").isZero();
            assertThatThrownBy(b::rent).isInstanceOf(MemoryBudgetExceededException.class)
                    .hasMessage("pinned memory budget exceeded: requested 4096 bytes, used 12288 bytes, limit 12288 bytes (pinned-memory.max-total-size)")
                    .satisfies(e -> {
                        MemoryBudgetExceededException budgetError = (MemoryBudgetExceededException) e;
                        assertThat(budgetError.requestedBytes()).isEqualTo(4096);
                        assertThat(budgetError.usedBytes()).isEqualTo(12288);
                        assertThat(budgetError.limitBytes()).isEqualTo(12288);
                        assertThat(budgetError.pool()).isEqualTo("b");
                        assertThat(budgetError.isWarmUp()).isFalse();
                    });
            assertThat(b.stats().misses()).isEqualTo(2);
            assertThat(b.stats().inUse()).isEqualTo(2);
            fromB.close();
            secondB.close();
            fromA.close();
            try (PinnedBuffer<byte[]> again = a.rent()) {
                assertThat(again.length()).isEqualTo(4096);
                assertThat(budget.usedBytes()).isEqualTo(3 * 4096);
            }
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void resizeOverTheBudgetShouldBeRefusedBeforeAnythingIsFreed() {
        MemoryBudget budget = new MemoryBudget(4 * 4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "r", 2)) {
            assertThatThrownBy(() -> pool.resize(3 * 4096)).isInstanceOf(MemoryBudgetExceededException.class)
                    .hasMessage("pinned memory budget exceeded: requested 24576 bytes, used 8192 bytes of which 8192 bytes"
                            + " idle in pool 'r' would be given back, limit 16384 bytes (pinned-memory.max-total-size)");
            PoolStats stats = pool.stats();
            assertThat(stats.bufferLength()).isEqualTo(4096);
            assertThat(stats.idle()).isEqualTo(2);
            assertThat(stats.pinnedBytes()).isEqualTo(2 * 4096);
            pool.resize(2 * 4096);
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(budget.usedBytes()).isEqualTo(4 * 4096);
        }
    }

    @Test
    void aPoolWhoseInitialBuffersExceedTheBudgetShouldNotStart() {
        MemoryBudget budget = new MemoryBudget(4096);
        assertThatThrownBy(() -> pool(budget, "big", 2)).isInstanceOf(MemoryBudgetExceededException.class)
                .hasMessageContaining("requested 8192 bytes");
        assertThat(budget.usedBytes()).isZero();
        assertThatThrownBy(() -> new MemoryBudget(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limitBytes: -1 (expected: >= 0, 0 for unlimited)");
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

    @Test
    void aReservationOfMemoryNoPoolHoldsShouldCountWithinTheLimitAndGiveItsBytesBackExactlyOnce() throws Exception {
        MemoryBudget budget = new MemoryBudget(4 * 4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "p", 0)) {
            PinnedBuffer<byte[]> rented = pool.rent();
            MemoryBudget.Reservation region = budget.reserve(2 * 4096, "shared memory region 'input0'");
            assertThat(region.bytes()).isEqualTo(2 * 4096);
            assertThat(region.holder()).isEqualTo("shared memory region 'input0'");
            assertThat(budget.usedBytes()).isEqualTo(3 * 4096);

            PinnedBuffer<byte[]> last = pool.rent();
            assertThatThrownBy(pool::rent).as("the region counts as pool memory does")
                    .isInstanceOf(MemoryBudgetExceededException.class).hasMessageContaining("used 16384 bytes");

            Thread[] closers = new Thread[4];
            for (int i = 0; i < closers.length; i++) {
                closers[i] = Thread.ofPlatform().start(region::close);
            }
            for (Thread closer : closers) {
                closer.join();
            }
            assertThat(region.isReleased()).isTrue();
            assertThat(budget.usedBytes()).as("given back once, from any number of closes").isEqualTo(2 * 4096);
            assertThat(region).hasToString("MemoryBudget.Reservation[8192 bytes for shared memory region 'input0', released]");
            last.close();
            rented.close();
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void aReservationThatDoesNotFitShouldFreeIdleBuffersFirstThenBeRefusedNamingItsHolder() {
        MemoryBudget budget = new MemoryBudget(4 * 4096);
        try (PinnedMemoryPool<byte[]> warm = pool(budget, "warm", 3)) {
            assertThat(budget.usedBytes()).isEqualTo(3 * 4096);
            try (MemoryBudget.Reservation region = budget.reserve(3 * 4096, "shared memory region 'r'")) {
                assertThat(warm.stats().idle()).as("idle buffers made room, as they do for a rent").isEqualTo(1);
                assertThat(budget.usedBytes()).isEqualTo(4 * 4096);

                assertThatThrownBy(() -> budget.reserve(2 * 4096, "shared memory region 'big'"))
                        .isInstanceOf(MemoryBudgetExceededException.class)
                        .hasMessage("pinned memory budget exceeded: requested 8192 bytes, used 16384 bytes, limit 16384 bytes "
                                + "(pinned-memory.max-total-size); shared memory region 'big' could not be counted within it")
                        .satisfies(e -> assertThat(((MemoryBudgetExceededException) e).pool()).isNull());
                assertThat(warm.stats().idle()).as("nothing freed for a reservation that could not fit anyway").isEqualTo(1);
                assertThat(budget.usedBytes()).isEqualTo(4 * 4096);
            }
            assertThat(budget.usedBytes()).isEqualTo(4096);
        }
        assertThatThrownBy(() -> budget.reserve(-1, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bytes: -1 (expected: >= 0)");
        assertThat(MemoryBudget.unlimited().reserve(Long.MAX_VALUE / 2, "huge").bytes()).isEqualTo(Long.MAX_VALUE / 2);
    }

    @Test
    void givingBackAReservationShouldWakeARenterWaitingForMemory() throws Exception {
        MemoryBudget budget = new MemoryBudget(2 * 4096);
        try (PinnedMemoryPool<byte[]> pool = pool(budget, "waiting", 0)) {
            MemoryBudget.Reservation region = budget.reserve(2 * 4096, "shared memory region 'r'");
            java.util.concurrent.CompletableFuture<PinnedBuffer<byte[]>> waiting = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> pool.rent(java.time.Duration.ofSeconds(30)));
            org.awaitility.Awaitility.await().until(() -> budget.waiters() == 1);
            region.close();
            try (PinnedBuffer<byte[]> buffer = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                assertThat(buffer.length()).isEqualTo(4096);
            }
        }
    }
}
