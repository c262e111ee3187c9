package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedMemoryHelperTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("helper-tests-reclaimer");

    @Test
    void eachStrategyShouldGiveTheMemoryItPromises() {
        try (PinnedMemoryHelper helper = new PinnedMemoryHelper(Backends.MLOCK)) {
            int[] data = {1, 2, 3};
            try (PinnedMemory<int[]> none = helper.pin(data, PinningStrategy.NONE)) {
                assertThat(none.isPinned()).isFalse();
                assertThat(none.segment().isNative()).isFalse();
                assertThat(none.segment().getAtIndex(ValueLayout.JAVA_INT, 1)).isEqualTo(2);
                assertThatThrownBy(none::address).isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("NONE");
            }
            try (PinnedMemory<int[]> array = helper.pin(data, PinningStrategy.PINNED_ARRAY)) {
                assertThat(array).isInstanceOf(PinnedArray.class);
                assertThat(LockedMemory.smapsLocked(array.address(), 12)).isTrue();
            }
            try (PinnedMemory<int[]> offHeap = helper.pin(data, PinningStrategy.OFF_HEAP)) {
                assertThat(offHeap).isInstanceOf(PinnedBuffer.class);
                assertThat(((PinnedBuffer<int[]>) offHeap).owner).isNotInstanceOf(BlockPool.class);
                assertThat(((PinnedBuffer<int[]>) offHeap).toArray()).containsExactly(1, 2, 3);
            }
            PinnedMemory<int[]> pooled = helper.pin(data, PinningStrategy.POOLED);
            assertThat(((PinnedBuffer<int[]>) pooled).owner).isInstanceOf(BlockPool.class);
            long address = pooled.address();
            assertThat(((PinnedBuffer<int[]>) pooled).toArray()).containsExactly(1, 2, 3);
            pooled.close();
            PinnedMemory<int[]> again = helper.pin(new int[] {4, 5, 6}, PinningStrategy.POOLED);
            assertThat(again).isNotSameAs(pooled);
            assertThat(again.address()).as("the same pooled memory, under a new lease").isEqualTo(address);
            assertThatThrownBy(pooled::segment).isInstanceOf(IllegalStateException.class);
            assertThat(((PinnedBuffer<int[]>) again).toArray()).containsExactly(4, 5, 6);
            again.close();
        }
    }

    @Test
    void pinAndCopyShouldNotWriteBack() {
        PinnedMemoryHelper helper = new PinnedMemoryHelper(Backends.MLOCK);
        double[] source = {1, 2};
        try (PinnedBuffer<double[]> copy = helper.pinAndCopy(source)) {
            copy.fill(9);
        }
        assertThat(source).containsExactly(1, 2);
    }

    @Test
    void selectShouldUseTheHelpersThresholds() {
        PinnedMemoryHelper helper = new PinnedMemoryHelper(
                new dev.pinnedmemory.backend.BackendSelection(Backends.UNLOCKED,
                        new dev.pinnedmemory.backend.BackendReport("unlocked", false, "unlocked", java.util.Map.of(), -1, null)),
                new PinningStrategySelector(10, 20, 3), LeakDetectionLevel.SIMPLE, MemoryBudget.unlimited());
        assertThat(helper.select(9, 0)).isEqualTo(PinningStrategy.NONE);
        assertThat(helper.select(20, 0)).isEqualTo(PinningStrategy.OFF_HEAP);
        assertThat(helper.select(20, 3)).isEqualTo(PinningStrategy.POOLED);
        assertThat(helper.backendReport().name()).isEqualTo("unlocked");
    }

    @Test
    void badArgumentsShouldBeRefused() {
        PinnedMemoryHelper helper = PinnedMemoryHelper.shared();
        assertThatThrownBy(() -> helper.pin(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> helper.pin(new Object[0], PinningStrategy.NONE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> helper.pin(new int[1], null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> helper.pinAndCopy(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> helper.allocateUnmanaged(null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> helper.allocateUnmanaged(ElementType.BYTE, -5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("length: -5 (expected: >= 0)");
    }

    @Test
    void sharedHelperShouldBeAutoSelectedAndPageLockedHere() {
        assertThat(PinnedMemoryHelper.shared()).isSameAs(PinnedMemoryHelper.shared());
        assertThat(PinnedMemoryHelper.shared().backendReport().requested()).isEqualTo("auto");
        assertThat(PinnedMemoryHelper.shared().backend().name()).isIn("cuda", "mlock");
    }

    @Test
    void elementTypeLookupsShouldNameAllowedValues() {
        assertThat(ElementType.valueOf("float")).isSameAs(ElementType.FLOAT);
        assertThat(ElementType.valueOf(" DOUBLE ")).isSameAs(ElementType.DOUBLE);
        assertThatThrownBy(() -> ElementType.valueOf("half")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("element type: 'half' (expected one of: byte, short, char, int, long, float, double)");
        assertThat(ElementType.forArrayClass(long[].class)).isSameAs(ElementType.LONG);
        assertThat(ElementType.values()).hasSize(7);
        assertThat(ElementType.CHAR.byteSize()).isEqualTo(2);
        assertThat(ElementType.FLOAT.configName()).isEqualTo("float");
    }

    @Test
    void theHelpersTrimShouldLeavePoolsWithBuffersOutAlone() {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(PinnedMemoryPool.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord logRecord) {
                warnings.add(logRecord);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try (PinnedMemoryHelper helper = Backends.helper(Backends.MLOCK, RECLAIMER)) {
            PinnedMemory<int[]> kept = helper.pin(new int[2048], PinningStrategy.POOLED);
            helper.closeIdlePools();
            helper.closeIdlePools();
            helper.closeIdlePools();
            assertThat(kept.isPinned()).isTrue();
            assertThat(warnings).extracting(LogRecord::getMessage).noneMatch(m -> m.contains("still rented"));
            kept.close();
            helper.closeIdlePools();
            helper.closeIdlePools();
        } finally {
            log.removeHandler(capture);
        }
    }
}
