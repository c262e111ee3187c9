package dev.pinnedmemory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** A transfer that never completes is reported, once, and its memory stays held. */
class StuckFenceTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("stuck-fence-tests-reclaimer");
    private static final Duration WARN_AFTER = Duration.ofSeconds(10);

    /** A fence that completes only when told, and counts how often the collector asked. */
    private static final class NeverFence implements TransferFence {
        final Semaphore asked = new Semaphore(0);
        volatile boolean done;

        @Override
        public boolean isComplete() {
            asked.release();
            return done;
        }

        /** Waits until a whole collect pass has run since now (one pass may be under way with the old clock). */
        void awaitFullPass() throws InterruptedException {
            asked.drainPermits();
            assertThat(asked.tryAcquire(3, 10, TimeUnit.SECONDS)).as("the reclaimer polls the fence").isTrue();
        }

        @Override
        public String toString() {
            return "never-fence";
        }
    }

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger(FencedBlocks.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel() == Level.WARNING && record.getMessage().contains("pending for")) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        log.addHandler(capture);
    }

    @AfterEach
    void release() {
        log.removeHandler(capture);
    }

    private static PinnedMemoryPool.Builder<byte[]> pool(CountingBackend backend, ManualClock clock) {
        return PinnedMemoryPool.builder(ElementType.BYTE)
                .allocator(new Allocator(backend, RECLAIMER, new LeakRecorder(), clock)).bufferSize(4096).maxSize(2)
                .fenceWarnAfter(WARN_AFTER).name("stuck");
    }

    @Test
    void aFencePendingLongerThanFenceWarnAfterShouldBeLoggedOnceCountedDatedAndKeepItsMemory() throws Exception {
        ManualClock clock = new ManualClock();
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<byte[]> pool = pool(backend, clock).leakDetection(LeakDetectionLevel.PARANOID).build()) {
            PinnedBuffer<byte[]> buffer = pool.rent();
            long inFlight = buffer.address();
            NeverFence fence = new NeverFence();
            buffer.closeAfter(fence);

            clock.advance(Duration.ofSeconds(9));
            fence.awaitFullPass();
            assertThat(pool.stats().stuckFences()).isZero();
            assertThat(pool.stats().oldestFenceAgeNanos()).isEqualTo(Duration.ofSeconds(9).toNanos());
            assertThat(warnings).isEmpty();

            clock.advance(Duration.ofSeconds(2));
            fence.awaitFullPass();
            PoolStats stats = pool.stats();
            assertThat(stats.stuckFences()).isEqualTo(1);
            assertThat(stats.oldestFenceAgeNanos()).isEqualTo(Duration.ofSeconds(11).toNanos());
            assertThat(stats.fenceWarnAfterNanos()).isEqualTo(WARN_AFTER.toNanos());
            assertThat(pool.metrics().stuckFences()).isEqualTo(1);
            assertThat(warnings).singleElement().satisfies(record -> {
                assertThat(record.getMessage()).contains("pool 'stuck'", "4096 bytes", "11.000 s", "never-fence",
                        "stays held");
                assertThat(record.getThrown()).as("the rent site at paranoid").isNotNull();
            });

            clock.advance(Duration.ofMinutes(5));
            fence.awaitFullPass();
            assertThat(warnings).as("logged once").hasSize(1);
            assertThat(pool.stats().stuckFences()).as("counted once").isEqualTo(1);

            // Held: neither rented nor freed while the fence is pending.
            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(pool.stats().pinnedBytes()).isEqualTo(4096);
            try (PinnedBuffer<byte[]> other = pool.rent()) {
                assertThat(other.address()).isNotEqualTo(inFlight);
            }
            assertThat(backend.frees()).isZero();

            fence.done = true;
            TransferFenceTests.awaitFenced(pool, 0);
            assertThat(pool.stats().oldestFenceAgeNanos()).isZero();
            assertThat(pool.stats().stuckFences()).as("a count, it stays").isEqualTo(1);
        }
    }

    @Test
    void theOldestAgeShouldBeThatOfTheOldestFenceStillPending() throws Exception {
        ManualClock clock = new ManualClock();
        try (PinnedMemoryPool<byte[]> pool = pool(new CountingBackend(Backends.MLOCK), clock).build()) {
            NeverFence first = new NeverFence();
            NeverFence second = new NeverFence();
            pool.rent().closeAfter(first);
            clock.advance(Duration.ofSeconds(4));
            pool.rent().closeAfter(second);
            clock.advance(Duration.ofSeconds(7));
            assertThat(pool.metrics().oldestFenceAgeNanos()).isEqualTo(Duration.ofSeconds(11).toNanos());

            second.awaitFullPass();
            assertThat(pool.stats().stuckFences()).as("only the first is 10 s old").isEqualTo(1);
            assertThat(warnings).singleElement().satisfies(record -> {
                assertThat(record.getMessage()).contains("set pinned-memory.leak-detection=paranoid");
                assertThat(record.getThrown()).isNull();
            });

            first.done = true;
            TransferFenceTests.awaitFenced(pool, 1);
            assertThat(pool.metrics().oldestFenceAgeNanos()).isEqualTo(Duration.ofSeconds(7).toNanos());
            second.done = true;
            TransferFenceTests.awaitFenced(pool, 0);
        }
    }

    @Test
    void aPoolShouldUseTenSecondsUnlessToldAndRefuseAnAgeThatIsNotPositive() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64).build()) {
            assertThat(pool.stats().fenceWarnAfterNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
            assertThat(pool.stats().oldestFenceAgeNanos()).isZero();
        }
        assertThatIllegalArgumentException().isThrownBy(() -> PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64)
                .fenceWarnAfter(Duration.ZERO).build()).withMessage("fenceWarnAfter must be more than 0 and at most 100d but was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(64)
                .fenceWarnAfter(Duration.ofSeconds(-1)).build()).withMessage("fenceWarnAfter must be more than 0 and at most 100d but was PT-1S");
    }
}
