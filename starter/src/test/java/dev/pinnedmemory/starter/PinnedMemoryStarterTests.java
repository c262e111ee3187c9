package dev.pinnedmemory.starter;

import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter alone is enough: auto-configuration is found, and JCuda on the class path never breaks start-up. */
class PinnedMemoryStarterTests {

    @Test
    void applicationWithOnlyTheStarterShouldGetPoolsHelperAndAWorkingBackend() throws Exception {
        assertThat(Class.forName("jcuda.runtime.JCuda")).isNotNull();
        SpringApplication application = new SpringApplication(StarterApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext context = application.run("--pinned-memory.pools.frames.element-type=float",
                "--pinned-memory.pools.frames.buffer-size=4KB", "--pinned-memory.pools.frames.initial-size=1")) {
            BackendReport report = context.getBean(BackendSelection.class).report();
            assertThat(report.requested()).isEqualTo("auto");
            assertThat(report.name()).isIn("cuda", "mlock", "unlocked");
            if (!report.name().equals("cuda")) {
                // JCuda is present, so a skipped cuda backend is down to the driver or device, not the class path.
                assertThat(report.skipped().get("cuda")).isNotBlank().doesNotContain("not on the class path");
            }
            assertThat(context.getBean(PinnedMemoryHelper.class).backend().name()).isEqualTo(report.name());
            PinnedMemoryPool<?> frames = context.getBean(PinnedMemoryPools.class).get("frames");
            assertThat(frames.stats().idle()).isEqualTo(1);
            assertThat(frames.stats().bufferLength()).isEqualTo(1024);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class StarterApplication {
    }
}
