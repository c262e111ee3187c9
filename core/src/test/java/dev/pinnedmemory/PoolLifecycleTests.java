package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Nothing held forever: pools that are never closed, the helper's pools, and the races around close and resize. */
class PoolLifecycleTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("lifecycle-tests-reclaimer");

    @Test
    void aPoolDroppedWithoutCloseShouldFreeItsIdleMemoryAndBeReportedWithItsCreationSite() throws Exception {
        long before = LockedMemory.lockedKb();
        LeakRecorder leaks = new LeakRecorder();
        createAndDrop(leaks);
        assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(8 * 1024);

        leaks.awaitReports(1, () -> LockedMemory.lockedKb() <= before);

        assertThat(leaks.reports).singleElement().satisfies(report -> {
            assertThat(report.abandoned()).isTrue();
            assertThat(report.what()).contains("pool 'forgotten'", "4 idle buffer(s) freed");
            assertThat(report.site()).hasMessageContaining("pinned-memory pool 'forgotten' created here");
        });
        assertThat(LockedMemory.lockedKb()).as("other tests' leftovers may go meanwhile, ours must").isLessThanOrEqualTo(before);
    }

    private static void createAndDrop(LeakRecorder leaks) {
        Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks).bufferSize(2 << 20).initialSize(4)
                .maxSize(4).leakDetection(LeakDetectionLevel.PARANOID).name("forgotten").build();
    }

    @Test
    void aPoolClosedByItsOwnerShouldNeverBeReportedAsAbandoned() throws Exception {
        LeakRecorder leaks = new LeakRecorder();
        Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, leaks).bufferSize(4096).initialSize(1).maxSize(1)
                .name("closed").build().close();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertThat(leaks.reports).isEmpty();
    }

    @Test
    void theHelpersPooledShapesShouldBeBoundedAndClosedOnceIdle() {
        long before = LockedMemory.lockedKb();
        PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, RECLAIMER);
        for (int length = 1; length <= PinnedMemoryHelper.MAX_POOLED_SHAPES + 10; length++) {
            helper.pin(new int[1024 + length], PinningStrategy.POOLED).close();
        }
        assertThat(LockedMemory.lockedKb() - before).isPositive();
        helper.closeIdlePools();    // the first trim only notes how many rents each pool served
        try (PinnedMemory<int[]> stillUsed = helper.pin(new int[1025], PinningStrategy.POOLED)) {
            helper.closeIdlePools();    // every pool but the one that served a rent since is idle
            assertThat(stillUsed.isPinned()).isTrue();
        }
        helper.closeIdlePools();
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
        try (PinnedMemory<int[]> again = helper.pin(new int[] {1, 2, 3}, PinningStrategy.POOLED)) {
            assertThat(((PinnedBuffer<int[]>) again).toArray()).containsExactly(1, 2, 3);
        }
        helper.close();
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void closingTheHelperWhileOthersPinShouldLeaveNoPoolBehind() throws Exception {
        long before = LockedMemory.lockedKb();
        for (int round = 0; round < 20; round++) {
            PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, RECLAIMER);
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> pinners = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int shape = t;
                pinners.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 50; i++) {
                            try (PinnedMemory<float[]> pinned = helper.pin(new float[2048 + shape * 8 + i % 4],
                                    PinningStrategy.POOLED)) {
                                assertThat(pinned.isPinned()).isTrue();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            start.countDown();
            helper.close();
            for (Thread pinner : pinners) {
                pinner.join();
            }
            assertThat(failures).isEmpty();
            assertThat(LockedMemory.lockedKb()).as("round " + round).isLessThanOrEqualTo(before);
        }
    }

    @Test
    void absurdSizesAndCountsShouldBeRefusedNamingTheSettingAndTheLimit() {
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(16).maxSize(Integer.MAX_VALUE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize must be 0 to 65536 but was 2147483647");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(16).maxSize(65_537).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65537");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(16).initialSize(Integer.MAX_VALUE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("initialSize must be at most maxSize (20) but was 2147483647");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(16).minBufferSize(17).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minBufferSize must be at most bufferSize (16) but was 17");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(16)
                .maxWait(java.time.Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWait must be 0 or more but was PT-0.001S");
        assertThatThrownBy(() -> new MemoryBudget(Long.MAX_VALUE).reserve(-1)).isInstanceOf(IllegalArgumentException.class);
        MemoryBudget budget = new MemoryBudget(1 << 20);
        assertThatThrownBy(() -> budget.reserve(Long.MAX_VALUE)).isInstanceOf(MemoryBudgetExceededException.class);
        assertThat(budget.usedBytes()).isZero();
        budget.reserve(1 << 20);
        assertThatThrownBy(() -> budget.reserve(Long.MAX_VALUE)).isInstanceOf(MemoryBudgetExceededException.class);
        assertThat(budget.usedBytes()).isEqualTo(1 << 20);
    }

    @Test
    void twoResizesInARowShouldLeaveOnlyBuffersOfTheLastSizeIdle() throws Exception {
        try (PinnedMemoryPool<int[]> pool = PinnedMemoryPool.builder(ElementType.INT).bufferSize(64).initialSize(2)
                .maxSize(4).backend(Backends.MLOCK).name("twice").build()) {
            for (int round = 0; round < 200; round++) {
                List<PinnedBuffer<int[]>> rented = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    rented.add(pool.rent());
                }
                Thread returner = Thread.ofPlatform().start(() -> rented.forEach(PinnedBuffer::close));
                pool.resize(96);
                pool.resize(round % 2 == 0 ? 128 : 64);
                returner.join();
                PoolStats quiet = pool.stats();
                assertThat(quiet.inUse()).isZero();
                assertThat(quiet.pinnedBytes()).as("round " + round + ": " + quiet)
                        .isEqualTo((long) quiet.idle() * quiet.bufferBytes());
            }
        }
    }
}
