package dev.pinnedmemory.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures the process's locked memory (VmLck) around one application context. Surefire runs test
 * classes one after another in this JVM, and nothing in this test leaks, so the only change in
 * VmLck while it runs is the context's own.
 */
class PinnedMemoryShutdownTests {

    private static final long MIB_IN_KB = 1024;

    @Test
    @SuppressWarnings("try")
    void closingTheContextShouldUnlockEveryPinnedByte() throws IOException {
        long before = lockedKilobytes();
        SpringApplication application = new SpringApplication(ShutdownApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext context = application.run("--pinned-memory.backend=mlock",
                "--pinned-memory.pools.frames.buffer-size=1MB", "--pinned-memory.pools.frames.initial-size=2",
                "--pinned-memory.pools.frames.max-size=2")) {
            assertThat(lockedKilobytes() - before).isGreaterThanOrEqualTo(2 * MIB_IN_KB);
            PinnedMemoryPool<?> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
            // A third buffer, rented and returned over max-size, is freed on return.
            try (PinnedBuffer<?> first = frames.rent(); PinnedBuffer<?> second = frames.rent();
                 PinnedBuffer<?> third = frames.rent()) {
                assertThat(lockedKilobytes() - before).isGreaterThanOrEqualTo(3 * MIB_IN_KB);
            }
            assertThat(frames.stats().dropped()).isEqualTo(1);
        }
        assertThat(lockedKilobytes()).isEqualTo(before);
    }

    private static long lockedKilobytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmLck:")) {
                return Long.parseLong(line.substring("VmLck:".length()).replace("kB", "").trim());
            }
        }
        throw new IllegalStateException("no VmLck line in /proc/self/status");
    }

    @Configuration(proxyBeanMethods = false)
    @Import(PinnedMemoryAutoConfiguration.class)
    static class ShutdownApplication {
    }
}
