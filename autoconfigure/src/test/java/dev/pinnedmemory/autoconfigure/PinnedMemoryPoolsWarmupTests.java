package dev.pinnedmemory.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class PinnedMemoryPoolsWarmupTests {

    @Test
    void startupWhenOnePoolsInitialBuffersFillTheBudgetShouldWarnAndTheOtherPoolShouldStillRent(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run("--pinned-memory.max-total-size=512KB",
                "--pinned-memory.pools.frames.buffer-size=256KB", "--pinned-memory.pools.frames.initial-size=2",
                "--pinned-memory.pools.ids.buffer-size=128KB")) {
            PinnedMemoryPools pools = context.getBean(PinnedMemoryPools.class);
            try (var id = pools.get("ids").rent()) {
                assertThat(id.byteSize()).isEqualTo(128 * 1024);
                assertThat(pools.get("frames").stats().idle()).isEqualTo(1);
            }
        }
        assertThat(output).contains("WARN").contains("has no room for one 131072B buffer of pool 'ids': the initial "
                        + "buffers of 'frames' 524288B (initial-size 2 x 262144B) can starve it")
                .contains("initial-size is a warm start, not a reservation")
                .contains("raise max-total-size to at least 655360B");
        assertThat(output).doesNotContain("buffer of pool 'frames'");
    }

    @Test
    void startupWhenTheBudgetHoldsEveryPoolsWarmBuffersAndOneMoreShouldNotWarn(CapturedOutput output) {
        try (ConfigurableApplicationContext context = run("--pinned-memory.max-total-size=1MB",
                "--pinned-memory.pools.frames.buffer-size=256KB", "--pinned-memory.pools.frames.initial-size=2",
                "--pinned-memory.pools.ids.buffer-size=128KB")) {
            assertThat(context.getBean(PinnedMemoryPools.class).names()).containsExactly("frames", "ids");
        }
        assertThat(output).contains("pinned-memory pools warm").doesNotContain("can starve");
    }

    private static ConfigurableApplicationContext run(String... args) {
        SpringApplication application = new SpringApplication(WarmupApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        List<String> arguments = new ArrayList<>(List.of("--pinned-memory.backend=unlocked"));
        arguments.addAll(List.of(args));
        return application.run(arguments.toArray(String[]::new));
    }

    @Test
    void initialBuffersShouldBeIdleWhenReadinessTurnsToAcceptingTraffic() {
        assertWarmWhenReady("--pinned-memory.backend=unlocked");
    }

    @Test
    void initialBuffersShouldBeIdleWhenReadyEvenWithLazyInitialization() {
        assertWarmWhenReady("--pinned-memory.backend=unlocked", "--spring.main.lazy-initialization=true");
    }

    private static void assertWarmWhenReady(String... args) {
        List<String> seen = new ArrayList<>();
        SpringApplication application = new SpringApplication(WarmupApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.addListeners((ApplicationListener<AvailabilityChangeEvent<?>>) event -> {
            if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
                seen.add("readiness idle=" + idle(event.getSource()));
            }
        });
        application.addListeners((ApplicationListener<ApplicationReadyEvent>) event ->
                seen.add("ready idle=" + idle(event.getApplicationContext())));
        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.addAll(List.of("--pinned-memory.pools.frames.buffer-size=4KB", "--pinned-memory.pools.frames.initial-size=3",
                "--pinned-memory.pools.frames.max-size=5"));
        try (ConfigurableApplicationContext context = application.run(arguments.toArray(String[]::new))) {
            assertThat(seen).containsExactly("ready idle=3", "readiness idle=3");
            assertThat(context.getBean(PinnedMemoryPoolsWarmup.class)).isNotNull();
        }
    }

    private static int idle(Object source) {
        ConfigurableApplicationContext context = (ConfigurableApplicationContext) source;
        // Read through the bean factory's singleton cache: the pool must exist without being looked up first.
        Object pool = context.getBeanFactory().getSingleton("framesPinnedMemoryPool");
        return (pool != null) ? ((PinnedMemoryPool<?>) pool).stats().idle() : -1;
    }

    @Configuration(proxyBeanMethods = false)
    @Import(PinnedMemoryAutoConfiguration.class)
    static class WarmupApplication {
    }
}
