package dev.pinnedmemory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pool's settings are checked once, where they are made, and the pool runs with exactly those:
 * {@code PinnedMemoryPool.builder(settings)} takes them as they are, with no round trip through a
 * builder. Counted through {@link PoolSettings}' package-private seam, per pool name.
 */
class SettingsPathTests {

    private final Map<String, Integer> ruleRuns = new ConcurrentHashMap<>();

    @BeforeEach
    void countRuleRuns() {
        PoolSettings.rulesRun = name -> ruleRuns.merge(name, 1, Integer::sum);
    }

    @AfterEach
    void stopCounting() {
        PoolSettings.rulesRun = null;
    }

    @Test
    void settingsMadeByTheirBuilderShouldBeCheckedOnceAndNotAgainByThePoolBuiltFromThem() {
        PoolSettings<float[]> settings = PoolSettings.builder(ElementType.FLOAT).name("frames").bufferSizeInBytes(64 << 10)
                .minBufferSizeInBytes(4 << 10).initialSize(1).maxSize(4).maxWait(Duration.ofMillis(5)).build();
        assertThat(ruleRuns).containsExactly(Map.entry("frames", 1));
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(settings).backend(PageLockingBackends.unlocked()).build()) {
            assertThat(pool.stats().idle()).isEqualTo(1);
            assertThat(pool.minBufferSize()).isEqualTo(1024);
        }
        assertThat(ruleRuns).as("rule runs per pool, YAML's way: settings, then the pool").containsExactly(Map.entry("frames", 1));
    }

    @Test
    void aPoolMadeByItsOwnBuilderShouldCheckItsRulesOnce() {
        try (PinnedMemoryPool<int[]> pool = PinnedMemoryPool.builder(ElementType.INT).name("ids").bufferSize(256).initialSize(2)
                .maxSize(3).backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<byte[]> placed = PinnedMemoryPool.builder(ElementType.BYTE).name("placed").bufferSize(4096)
                     .numaNode(NumaNode.of(0)).backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<long[]> constructed = new PinnedMemoryPool<>(ElementType.LONG, 64, 1, 2)) {
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(placed.stats().numaNode()).isZero();
            assertThat(ruleRuns).containsEntry("ids", 1).containsEntry("placed", 1)
                    .containsEntry(constructed.name(), 1).hasSize(3);
        }
    }

    @Test
    void aSetterAfterBuilderOfSettingsShouldStartFromThoseSettingsAndCheckOnceMore() {
        PoolSettings<byte[]> settings = PoolSettings.builder(ElementType.BYTE).name("resized").bufferSize(4096).maxSize(2).build();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(settings).maxSize(3).initialSize(3)
                .backend(PageLockingBackends.unlocked()).build()) {
            assertThat(pool.stats().maxSize()).isEqualTo(3);
            assertThat(pool.stats().idle()).isEqualTo(3);
            assertThat(pool.bufferSize()).isEqualTo(4096);
        }
        assertThat(ruleRuns).containsExactly(Map.entry("resized", 2));
        assertThatThrownBy(() -> PinnedMemoryPool.builder(settings).initialSize(3).build())
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("initialSize must be at most maxSize (2) but was 3");
    }

    @Test
    void theCanonicalConstructorShouldCheckTheSameRulesOnce() {
        assertThatThrownBy(() -> new PoolSettings<>("direct", ElementType.INT, 8, 16, 0, 20, true, Duration.ZERO, false, false,
                LeakDetectionLevel.SIMPLE, 1, NumaNode.NONE, Duration.ofSeconds(10)))
                .isInstanceOf(InvalidPoolSettingException.class)
                .hasMessage("minBufferSize must be at most bufferSize (8) but was 16");
        assertThatThrownBy(() -> new PoolSettings<>("offline", ElementType.INT, 8, 0, 0, 20, true, Duration.ZERO, false, false,
                LeakDetectionLevel.SIMPLE, 1, NumaNode.of(7), Duration.ofSeconds(10)))
                .isInstanceOf(InvalidPoolSettingException.class)
                .hasMessageStartingWith("numaNode must be an online NUMA node of this machine (");
        assertThat(ruleRuns).containsOnly(Map.entry("direct", 1), Map.entry("offline", 1));
    }
}
