package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The memory side of {@link RentLengthBenchmark}: on the benchmark's own length sequence (4 KiB to
 * 4 MiB, log-uniform, fixed seed), the pool's size classes back the rents with at most 25 % more
 * bytes than asked, and with fewer than a power-of-two scheme. Uses the {@code unlocked} backend,
 * so it needs no page-locking rights.
 */
class RentLengthWasteTests {

    private static final int MIN_BYTES = 4096;
    private static final int MAX_BYTES = 4 << 20;

    @Test
    void lengthsShouldBeTheSameLogUniformSequenceEveryTime() {
        int[] lengths = RentLengthBenchmark.lengths(RentLengthBenchmark.SEED, RentLengthBenchmark.LENGTHS, MIN_BYTES,
                MAX_BYTES);

        assertThat(lengths).hasSize(RentLengthBenchmark.LENGTHS)
                .isEqualTo(RentLengthBenchmark.lengths(RentLengthBenchmark.SEED, RentLengthBenchmark.LENGTHS, MIN_BYTES,
                        MAX_BYTES));
        assertThat(Arrays.stream(lengths).min().orElseThrow()).isGreaterThanOrEqualTo(MIN_BYTES);
        assertThat(Arrays.stream(lengths).max().orElseThrow()).isLessThanOrEqualTo(MAX_BYTES);
        // Log-uniform over ten doublings: each doubling gets about a tenth of the lengths.
        int[] perDoubling = new int[10];
        for (int length : lengths) {
            perDoubling[Math.min(9, 31 - Integer.numberOfLeadingZeros(length / MIN_BYTES))]++;
        }
        assertThat(Arrays.stream(perDoubling).boxed().toList()).as("lengths per doubling from 4 KiB")
                .allSatisfy(count -> assertThat(count).isBetween(60, 150));
    }

    @Test
    void sizeClassesShouldWasteAtMostAQuarterAndLessThanPowersOfTwo() {
        int[] lengths = RentLengthBenchmark.lengths(RentLengthBenchmark.SEED, RentLengthBenchmark.LENGTHS, MIN_BYTES,
                MAX_BYTES);
        try (PinnedMemoryPool<byte[]> pool = RentLengthBenchmark.pool(PageLockingBackends.unlocked(), MIN_BYTES,
                MAX_BYTES)) {
            int[] classes = RentLengthBenchmark.classLengths(pool);

            RentLengthBenchmark.WasteRatios ratios = RentLengthBenchmark.wasteRatios(lengths, classes);

            System.out.println("RentLengthBenchmark sequence, " + classes.length + " size classes: " + ratios);
            assertThat(classes).startsWith(MIN_BYTES).endsWith(MAX_BYTES).isSorted();
            assertThat(ratios.sizeClasses()).isGreaterThanOrEqualTo(1.0).isLessThanOrEqualTo(1.25)
                    .isLessThan(ratios.powerOfTwo());
            assertThat(ratios.worstSizeClass()).isLessThanOrEqualTo(1.25);
            assertThat(ratios.powerOfTwo()).isGreaterThan(1.25);
        }
    }

    @Test
    void poolShouldBackTheRentsWithTheBytesTheRatioCounts() {
        int[] lengths = RentLengthBenchmark.lengths(RentLengthBenchmark.SEED, RentLengthBenchmark.LENGTHS, MIN_BYTES,
                MAX_BYTES);
        try (PinnedMemoryPool<byte[]> pool = RentLengthBenchmark.pool(PageLockingBackends.unlocked(), MIN_BYTES,
                MAX_BYTES)) {
            for (int length : lengths) {
                try (PinnedBuffer<byte[]> buffer = pool.rent(length)) {
                    assertThat(buffer.length()).isEqualTo(length);
                }
            }
            PoolStats stats = pool.stats();

            double counted = (double) stats.backingBytes() / stats.requestedBytes();
            assertThat(stats.requestedBytes()).isEqualTo(Arrays.stream(lengths).asLongStream().sum());
            assertThat(counted).isCloseTo(
                    RentLengthBenchmark.wasteRatios(lengths, RentLengthBenchmark.classLengths(pool)).sizeClasses(),
                    within(1e-9));
        }
    }

    @Test
    void nextPowerOfTwoShouldBeTheSmallestPowerAtOrAboveTheLength() {
        assertThat(RentLengthBenchmark.nextPowerOfTwo(1)).isEqualTo(1);
        assertThat(RentLengthBenchmark.nextPowerOfTwo(4096)).isEqualTo(4096);
        assertThat(RentLengthBenchmark.nextPowerOfTwo(4097)).isEqualTo(8192);
        assertThat(RentLengthBenchmark.nextPowerOfTwo(Integer.MAX_VALUE)).isEqualTo(1L << 31);
    }
}
