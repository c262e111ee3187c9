package dev.pinnedmemory.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.SizeClassStats;
import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link BatchStager} on a pool of its own: which buffer each batch is staged in, what is refused
 * before renting, and the device branch, which the build machine (no GPU) cannot reach through
 * JCuda: a stand-in device copies (or corrupts) the batch on its "round trip" and ends the staging
 * lease with {@code closeAfter} and a fence the test completes, as {@link CudaDevice#roundTripAsync}
 * does with a {@code CudaFence}.
 */
class BatchStagerTests {

    /** 64 KiB buffers with size classes from 4 KiB: 1024, 1280, 1536, 1792, 2048, ... 16384 floats. */
    private static final int MAX_LENGTH = 16 * 1024;
    private static final int MIN_LENGTH = 1024;

    /** A device that copies host to host instead of calling CUDA, ending the staging lease after {@code copy}. */
    static final class StandInDevice extends CudaDevice {
        private final boolean corrupt;
        private final CompletableFuture<Void> copy;
        int roundTrips;

        StandInDevice(boolean corrupt, CompletableFuture<Void> copy) {
            super(new BackendSelection(PageLockingBackends.unlocked(),
                    new BackendReport("unlocked", false, "auto", Map.of(), 1, "Stand-in GPU")));
            this.corrupt = corrupt;
            this.copy = copy;
        }

        StandInDevice(boolean corrupt) {
            this(corrupt, CompletableFuture.completedFuture(null));
        }

        @Override
        long roundTripAsync(PinnedBuffer<?> staging, PinnedBuffer<?> readBack, long bytes) {
            roundTrips++;
            MemorySegment.copy(staging.segment(), 0, readBack.segment(), 0, bytes);
            staging.closeAfter(TransferFence.of(copy));
            MemorySegment back = readBack.segment();
            if (corrupt) {
                back.set(ValueLayout.JAVA_BYTE, bytes / 2, (byte) ~back.get(ValueLayout.JAVA_BYTE, bytes / 2));
            }
            return 42;
        }
    }

    @Test
    void stageWithADeviceShouldRoundTripIntoASecondBufferAndVerifyIt() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            StandInDevice device = new StandInDevice(false);
            byte[] batch = Floats.ramp(1000);

            BatchReceipt receipt = new BatchStager(frames, device).stage(staged(frames, batch));

            assertThat(receipt.device()).isTrue();
            assertThat(receipt.deviceName()).isEqualTo("Stand-in GPU");
            assertThat(receipt.transferMicros()).isEqualTo(42);
            assertThat(receipt.verified()).isTrue();
            assertThat(receipt.checksum()).isEqualTo(Floats.crc32(batch));
            assertThat(receipt.sum()).isEqualTo(Floats.rampSum(1000));
            assertThat(device.roundTrips).isEqualTo(1);
            assertThat(frames.stats().rents()).isEqualTo(2);
            assertThat(frames.stats().requestedBytes()).as("both buffers exactly the batch").isEqualTo(2 * 4000);
            assertThat(frames.stats().inUse()).isZero();
            assertThat(frames.stats().fenced()).isZero();
        }
    }

    @Test
    void stageWithADeviceThatCorruptsTheCopyShouldSayNotVerified() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            byte[] batch = Floats.ramp(1000);

            BatchReceipt receipt = new BatchStager(frames, new StandInDevice(true))
                    .stage(staged(frames, batch));

            assertThat(receipt.verified()).isFalse();
            assertThat(frames.stats().inUse()).isZero();
        }
    }

    @Test
    void stagingBufferShouldStayOutOfThePoolUntilTheDeviceCopyIsDone() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            CompletableFuture<Void> copy = new CompletableFuture<>();
            byte[] batch = Floats.ramp(MAX_LENGTH);

            BatchReceipt receipt = new BatchStager(frames, new StandInDevice(false, copy))
                    .stage(staged(frames, batch));

            assertThat(receipt.verified()).isTrue();
            PoolStats fenced = frames.stats();
            assertThat(fenced.inUse()).as("both leases ended").isZero();
            assertThat(fenced.fenced()).as("the staging buffer waits for its copy").isEqualTo(1);
            // Two buffers of the batch's (full) size are live; only the read-back one may be rented out.
            try (PinnedBuffer<float[]> first = frames.rent(MAX_LENGTH);
                 PinnedBuffer<float[]> second = frames.rent(MAX_LENGTH)) {
                assertThat(first.segment().address()).isNotEqualTo(second.segment().address());
                assertThat(frames.stats().misses()).as("the fenced buffer was not lent: a new one was allocated")
                        .isEqualTo(fenced.misses() + 1);
            }

            copy.complete(null);

            await().atMost(Duration.ofSeconds(10)).until(() -> frames.stats().fenced() == 0);
            assertThat(frames.stats().allocated()).isEqualTo(frames.stats().idle());
        }
    }

    @Test
    void stageWithoutADeviceShouldChecksumAndSumTheBatchInPlace() {
        try (PinnedMemoryPool<float[]> frames = pool()) {
            byte[] batch = Floats.ramp(1000);
            PinnedBuffer<float[]> staging = staged(frames, batch);

            BatchReceipt receipt = new BatchStager(frames, new CudaDevice(noDevice())).stage(staging);

            assertThat(receipt.device()).isFalse();
            assertThat(receipt.transferMicros()).isNull();
            assertThat(receipt.verified()).isTrue();
            assertThat(receipt.checksum()).isEqualTo(Floats.crc32(batch));
            assertThat(receipt.sum()).isEqualTo(Floats.rampSum(1000));
            assertThat(staging.isPinned()).as("without a device the request ends the lease, not the stager").isTrue();
            staging.close();
            assertThat(frames.stats().rents()).isEqualTo(1);
        }
    }

    /** {@return rents (hits + misses) per size class, by class length} */
    static Map<Integer, Long> rentsByClass(PinnedMemoryPool<?> pool) {
        Map<Integer, Long> rents = new java.util.TreeMap<>();
        for (SizeClassStats c : pool.stats().sizeClasses()) {
            rents.put(c.bufferLength(), c.hits() + c.misses());
        }
        return rents;
    }

    /** {@return the classes whose rents changed, with by how much} */
    static Map<Integer, Long> changed(Map<Integer, Long> before, Map<Integer, Long> after) {
        Map<Integer, Long> changed = new java.util.TreeMap<>();
        after.forEach((length, rents) -> {
            long delta = rents - before.getOrDefault(length, 0L);
            if (delta != 0) {
                changed.put(length, delta);
            }
        });
        return changed;
    }

    private static BackendSelection noDevice() {
        return new BackendSelection(PageLockingBackends.unlocked(),
                new BackendReport("unlocked", false, "auto", Map.of("cuda", "stand-in: no device"), 0, null));
    }

    /** {@return a lease of exactly the batch's floats holding it, as {@code @PinnedBody} hands it over} */
    private static PinnedBuffer<float[]> staged(PinnedMemoryPool<float[]> frames, byte[] batch) {
        PinnedBuffer<float[]> staging = frames.rent(batch.length / Float.BYTES);
        staging.copyFrom(MemorySegment.ofArray(batch));
        return staging;
    }

    private static PinnedMemoryPool<float[]> pool() {
        return PinnedMemoryPool.builder(ElementType.FLOAT).name("frames").bufferSize(MAX_LENGTH)
                .minBufferSize(MIN_LENGTH).maxSize(4).backend(PageLockingBackends.unlocked()).build();
    }
}
