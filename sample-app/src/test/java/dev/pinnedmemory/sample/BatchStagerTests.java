package dev.pinnedmemory.sample;

import java.io.ByteArrayInputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device branch of {@link BatchStager}, which the build machine (no GPU) cannot reach through
 * JCuda: a stand-in device copies (or corrupts) the batch on its "round trip".
 */
class BatchStagerTests {

    /** A device that copies host to host, flipping one byte when asked to, instead of calling CUDA. */
    static final class StandInDevice extends CudaDevice {
        private final boolean corrupt;
        int roundTrips;

        StandInDevice(boolean corrupt) {
            super(new BackendSelection(PageLockingBackends.unlocked(),
                    new BackendReport("unlocked", false, "auto", Map.of(), 1, "Stand-in GPU")));
            this.corrupt = corrupt;
        }

        @Override
        long roundTrip(MemorySegment source, MemorySegment destination, long bytes) {
            roundTrips++;
            MemorySegment.copy(source, 0, destination, 0, bytes);
            if (corrupt) {
                destination.set(ValueLayout.JAVA_BYTE, bytes / 2,
                        (byte) ~destination.get(ValueLayout.JAVA_BYTE, bytes / 2));
            }
            return 42;
        }
    }

    @Test
    void stageWithADeviceShouldRoundTripIntoASecondBufferAndVerifyIt() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            StandInDevice device = new StandInDevice(false);
            byte[] batch = Floats.ramp(1000);

            BatchReceipt receipt = new BatchStager(frames, device).stage(new ByteArrayInputStream(batch), batch.length);

            assertThat(receipt.device()).isTrue();
            assertThat(receipt.deviceName()).isEqualTo("Stand-in GPU");
            assertThat(receipt.transferMicros()).isEqualTo(42);
            assertThat(receipt.verified()).isTrue();
            assertThat(receipt.checksum()).isEqualTo(Floats.crc32(batch));
            assertThat(device.roundTrips).isEqualTo(1);
            assertThat(frames.stats().rents()).isEqualTo(2);
            assertThat(frames.stats().inUse()).isZero();
        }
    }

    @Test
    void stageWithADeviceThatCorruptsTheCopyShouldSayNotVerified() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            byte[] batch = Floats.ramp(1000);

            BatchReceipt receipt = new BatchStager(frames, new StandInDevice(true))
                    .stage(new ByteArrayInputStream(batch), -1);

            assertThat(receipt.verified()).isFalse();
            assertThat(frames.stats().inUse()).isZero();
        }
    }

    private static PinnedMemoryPool<float[]> pool() {
        return PinnedMemoryPool.builder(ElementType.FLOAT).name("frames").bufferSize(4096).maxSize(4)
                .backend(PageLockingBackends.unlocked()).build();
    }
}
