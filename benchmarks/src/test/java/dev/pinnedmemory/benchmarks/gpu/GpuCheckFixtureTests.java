package dev.pinnedmemory.benchmarks.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Stand-ins for core's gpu tests, for {@link GpuCheckTests}: skipped as they are without a device,
 * failing on purpose when {@value #FAIL_PROPERTY} is set, or hanging as a CUDA call that never
 * returns would (deaf to interrupts) when {@value #HANG_PROPERTY} is set, until {@link #release}
 * lets it go; so what a failing or hung gpu test does to the check can be shown without a GPU.
 */
@Tag("gpu")
class GpuCheckFixtureTests {

    static final String FAIL_PROPERTY = "gpucheck.fixture.fail";
    static final String HANG_PROPERTY = "gpucheck.fixture.hang";
    /** Counted down when the hanging fixture has started to hang. */
    static volatile CountDownLatch hanging = new CountDownLatch(1);
    /** Lets the hanging fixture go. */
    static volatile CountDownLatch release = new CountDownLatch(1);

    @Test
    void aGpuTestShouldBeSkippedWithoutADevice() {
        assumeTrue(Boolean.getBoolean(FAIL_PROPERTY), "no CUDA device: fixture");
        assertThat("the device's bytes").as("fixture failing on purpose").isEqualTo("the host's bytes");
    }

    @Test
    void aGpuTestThatHangsInNativeCode() {
        assumeTrue(Boolean.getBoolean(HANG_PROPERTY), "no CUDA device: fixture");
        CountDownLatch mine = release;   // the test replaces the latch after releasing this one
        hanging.countDown();
        while (mine.getCount() > 0) {
            LockSupport.parkNanos(1_000_000);   // like a native call: an interrupt does not end it
        }
    }
}
