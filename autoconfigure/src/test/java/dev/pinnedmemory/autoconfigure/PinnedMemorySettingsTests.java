package dev.pinnedmemory.autoconfigure;

import java.time.Duration;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.BackendKind;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pinned-memory.*} is bound once into one immutable settings value that every consumer reads. */
class PinnedMemorySettingsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class));

    @Test
    void theConfigurationShouldBeOneValidatedSettingsBeanWithEnumsAndElementCounts() {
        this.runner.withPropertyValues("pinned-memory.backend=UNLOCKED", "pinned-memory.leak-detection=paranoid",
                "pinned-memory.max-total-size=1MB", "pinned-memory.pools.frames.element-type=float",
                "pinned-memory.pools.frames.buffer-size=64KB", "pinned-memory.pools.frames.min-buffer-size=4KB",
                "pinned-memory.pools.frames.max-wait=250ms", "pinned-memory.pools.frames.write-combined=true",
                "pinned-memory.pools.frames.strict-segments=true").run(context -> {
                    assertThat(context).hasSingleBean(PinnedMemorySettings.class).hasSingleBean(PinnedMemoryProperties.class);
                    PinnedMemorySettings settings = context.getBean(PinnedMemorySettings.class);
                    assertThat(settings.backend()).isEqualTo(BackendKind.UNLOCKED);
                    assertThat(settings.leakDetection()).isEqualTo(LeakDetectionLevel.PARANOID);
                    assertThat(settings.maxTotalBytes()).isEqualTo(1 << 20);
                    PoolSettings<?> frames = settings.pools().get("frames");
                    assertThat(frames.type()).isSameAs(ElementType.FLOAT);
                    assertThat(frames.leakDetection()).isEqualTo(LeakDetectionLevel.PARANOID);
                    assertThat(frames.bufferLength()).isEqualTo(16 * 1024);
                    assertThat(frames.minBufferLength()).isEqualTo(1024);
                    assertThat(frames.maxWait()).isEqualTo(Duration.ofMillis(250));
                    assertThat(frames.writeCombined()).isTrue();
                    assertThat(frames.strictSegments()).isTrue();
                });
    }

    @Test
    void poolsShouldBeBuiltFromTheSettings() {
        this.runner.withPropertyValues("pinned-memory.backend=unlocked", "pinned-memory.pools.frames.element-type=float",
                "pinned-memory.pools.frames.buffer-size=64KB", "pinned-memory.pools.frames.min-buffer-size=4KB",
                "pinned-memory.pools.frames.max-wait=250ms", "pinned-memory.pools.frames.strict-segments=true")
                .run(context -> {
                    @SuppressWarnings("unchecked")
                    PinnedMemoryPool<float[]> frames = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class);
                    assertThat(frames.minBufferSize()).isEqualTo(1024);
                    assertThat(frames.maxWait()).isEqualTo(Duration.ofMillis(250));
                    java.lang.foreign.MemorySegment kept;
                    try (PinnedBuffer<float[]> small = frames.rent(1000)) {
                        assertThat(small.length()).isEqualTo(1000);
                        kept = small.segment();
                    }
                    java.lang.foreign.MemorySegment stale = kept;
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> stale.get(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0))
                            .as("strict segments").isInstanceOf(IllegalStateException.class);
                    PoolStats stats = frames.stats();
                    assertThat(stats.sizeClasses().getFirst().bufferLength()).isEqualTo(1024);
                    assertThat(stats.sizeClasses().getLast().bufferLength()).isEqualTo(16 * 1024);
                });
    }
}
