package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinningStrategySelectorTests {

    @Test
    void defaultsShouldSplitAtOneKibAndOneMib() {
        assertThat(PinningStrategySelector.selectStrategy(0, 0)).isEqualTo(PinningStrategy.NONE);
        assertThat(PinningStrategySelector.selectStrategy(1023, 0)).isEqualTo(PinningStrategy.NONE);
        assertThat(PinningStrategySelector.selectStrategy(1024, 0)).isEqualTo(PinningStrategy.PINNED_ARRAY);
        assertThat(PinningStrategySelector.selectStrategy((1 << 20) - 1, 7)).isEqualTo(PinningStrategy.PINNED_ARRAY);
        assertThat(PinningStrategySelector.selectStrategy(1 << 20, 0)).isEqualTo(PinningStrategy.OFF_HEAP);
        assertThat(PinningStrategySelector.selectStrategy(1L << 40, 0)).isEqualTo(PinningStrategy.OFF_HEAP);
    }

    @Test
    void reuseAtTheThresholdShouldPoolWhateverTheSize() {
        assertThat(PinningStrategySelector.selectStrategy(10, 7)).isEqualTo(PinningStrategy.NONE);
        assertThat(PinningStrategySelector.selectStrategy(10, 8)).isEqualTo(PinningStrategy.POOLED);
        assertThat(PinningStrategySelector.selectStrategy(1 << 20, 8)).isEqualTo(PinningStrategy.POOLED);
    }

    @Test
    void customThresholdsShouldApply() {
        PinningStrategySelector selector = new PinningStrategySelector(64, 4096, 2);
        assertThat(selector.select(63, 0)).isEqualTo(PinningStrategy.NONE);
        assertThat(selector.select(64, 1)).isEqualTo(PinningStrategy.PINNED_ARRAY);
        assertThat(selector.select(4096, 1)).isEqualTo(PinningStrategy.OFF_HEAP);
        assertThat(selector.select(1, 2)).isEqualTo(PinningStrategy.POOLED);
    }

    @Test
    void badArgumentsShouldNameTheValue() {
        assertThatThrownBy(() -> PinningStrategySelector.selectStrategy(-1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bufferBytes: -1 (expected: >= 0)");
        assertThatThrownBy(() -> PinningStrategySelector.selectStrategy(1, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("expectedReuses: -2 (expected: >= 0)");
        assertThatThrownBy(() -> new PinningStrategySelector(2048, 1024, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("largeThreshold: 1024 (expected: >= smallThreshold 2048)");
        assertThatThrownBy(() -> new PinningStrategySelector(-1, 1024, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PinningStrategySelector(1, 1024, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
