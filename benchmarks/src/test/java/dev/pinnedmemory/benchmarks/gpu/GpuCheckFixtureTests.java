package dev.pinnedmemory.benchmarks.gpu;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A stand-in for core's gpu tests, for {@link GpuCheckTests}: skipped as they are without a device,
 * or failing on purpose when {@value #FAIL_PROPERTY} is set, so a failing gpu test's effect on the
 * check can be shown without a GPU.
 */
@Tag("gpu")
class GpuCheckFixtureTests {

    static final String FAIL_PROPERTY = "gpucheck.fixture.fail";

    @Test
    void aGpuTestShouldBeSkippedWithoutADevice() {
        assumeTrue(Boolean.getBoolean(FAIL_PROPERTY), "no CUDA device: fixture");
        assertThat("the device's bytes").as("fixture failing on purpose").isEqualTo("the host's bytes");
    }
}
