package dev.pinnedmemory.sample;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.test.CheckPinnedMemoryLeaks;
import dev.pinnedmemory.PoolStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole service on a random port with the {@code test} profile's small pools (frames 64KB with
 * size classes from 4KB and the shipped 2s max-wait, labels 4KB, budget 4MB). Subclasses share one
 * application context. After every test both pools must be quiet and whole: nothing rented,
 * waiting or fenced, nothing leaked, within the budget, frames back at 64KB; and
 * {@link CheckPinnedMemoryLeaks} (from {@code pinned-memory-test}) fails any test that leaves a buffer
 * rented or leaks one, naming the pool and, at the test profile's paranoid leak detection, where.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@CheckPinnedMemoryLeaks
abstract class RunningServiceTests {

    static final int FRAME_BYTES = 64 * 1024;
    static final int MIN_FRAME_BYTES = 4 * 1024;
    static final long BUDGET_BYTES = 4L * 1024 * 1024;

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("frames")
    PinnedMemoryPool<float[]> frames;

    @Autowired
    @Qualifier("labels")
    PinnedMemoryPool<int[]> labels;

    SampleClient client;

    @BeforeEach
    void connect() {
        client = new SampleClient(port);
    }

    @AfterEach
    void poolsShouldBeQuietAndWhole() {
        assertPoolsQuietAndWhole();
        assertThat(frames.stats().bufferBytes()).as("frames buffer size after the test").isEqualTo(FRAME_BYTES);
    }

    void assertPoolsQuietAndWhole() {
        assertPoolsQuietAndWhole(BUDGET_BYTES, frames, labels);
    }

    /**
     * Each pool quiet (nothing rented, waiting or fenced) and consistent: no leaks, every live buffer
     * idle in one of its size classes, and all of them together within {@code budgetBytes}.
     */
    static void assertPoolsQuietAndWhole(long budgetBytes, PinnedMemoryPool<?>... pools) {
        long pinned = 0;
        for (PinnedMemoryPool<?> pool : pools) {
            PoolStats stats = pool.stats();
            assertThat(stats.inUse()).as("%s in use", pool.name()).isZero();
            assertThat(stats.fenced()).as("%s fenced", pool.name()).isZero();
            assertThat(stats.waiting()).as("%s waiting", pool.name()).isZero();
            assertThat(stats.leaks()).as("%s leaks", pool.name()).isZero();
            assertThat(stats.allocated()).as("%s allocated", pool.name())
                    .isEqualTo(stats.idle() + stats.inUse() + stats.fenced());
            assertThat(stats.rents()).as("%s rents", pool.name()).isEqualTo(stats.returns() + stats.inUse());
            long idleBytes = stats.sizeClasses().stream().mapToLong(c -> c.idle() * c.bufferBytes()).sum();
            assertThat(stats.pinnedBytes()).as("%s pinned bytes: the idle buffers of its size classes", pool.name())
                    .isEqualTo(idleBytes);
            assertThat(stats.backingBytes()).as("%s backing bytes", pool.name())
                    .isGreaterThanOrEqualTo(stats.requestedBytes());
            pinned += stats.pinnedBytes();
        }
        assertThat(pinned).as("pinned bytes of all pools").isLessThanOrEqualTo(budgetBytes);
    }

    /** Puts frames back to the test profile's size after a test that resized it. */
    void restoreFrames() {
        if (frames.stats().bufferBytes() != FRAME_BYTES) {
            frames.resize(FRAME_BYTES / Float.BYTES);
        }
    }
}
