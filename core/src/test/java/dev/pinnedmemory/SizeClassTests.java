package dev.pinnedmemory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rents of any length: exact lengths, the smallest class that fits, at most 25 % waste, one budget. */
class SizeClassTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("size-class-tests-reclaimer");

    private static PinnedMemoryPool.Builder<byte[]> pool(int min, int max) {
        return Backends.pool(ElementType.BYTE, Backends.MLOCK, RECLAIMER, new LeakRecorder()).bufferSize(max)
                .minBufferSize(min).maxSize(4).name("classes");
    }

    @ParameterizedTest
    @CsvSource({"1, 100000", "7, 70000", "4096, 4194304", "65536, 4194304", "1000, 1001", "3, 2147483647"})
    void everyLengthFromTheMinimumShouldBeServedByABufferAtMostOneQuarterLarger(int min, int max) {
        int[] lengths = SizeClasses.lengths(min, max);
        assertThat(lengths[0]).isEqualTo(min);
        assertThat(lengths[lengths.length - 1]).isEqualTo(max);
        assertThat(lengths.length).isLessThanOrEqualTo(4 * 32 + 2);
        for (int i = 1; i < lengths.length; i++) {
            assertThat(lengths[i]).isGreaterThan(lengths[i - 1]);
            // The next class above a rent of lengths[i-1] + 1 is lengths[i]: the worst case of each step.
            assertThat((double) lengths[i]).as("class %d after %d", lengths[i], lengths[i - 1])
                    .isLessThanOrEqualTo(1.25 * (lengths[i - 1] + 1));
        }
        SizeClasses shape = SizeClasses.of(0, ElementType.BYTE, min, max, 1);
        int step = Math.max(1, (int) Math.min(Integer.MAX_VALUE, ((long) max - min) / 200_000));
        for (long length = min; length <= max; length += step) {
            int asked = (int) length;
            SizeClasses.SizeClass served = shape.classFor(asked);
            assertThat(served.length).isGreaterThanOrEqualTo(asked);
            assertThat((double) served.length).isLessThanOrEqualTo(1.25 * asked);
            if (served.index > 0) {
                assertThat(shape.classes[served.index - 1].length).as("the smallest class that fits").isLessThan(asked);
            }
        }
    }

    /** The class is computed, not searched: every length of small ladders against a plain scan. */
    @ParameterizedTest
    @CsvSource({"1, 5000", "2, 17", "3, 4096", "5, 9", "7, 1000", "8, 8", "9, 20000", "12, 13", "100, 65536",
            "1000, 1001", "4096, 16384"})
    void theClassOfEveryLengthShouldBeTheFirstThatHoldsIt(int min, int max) {
        SizeClasses shape = SizeClasses.of(0, ElementType.BYTE, min, max, 1);
        for (int length = 1; length <= max; length++) {
            SizeClasses.SizeClass expected = null;
            for (SizeClasses.SizeClass candidate : shape.classes) {
                if (candidate.length >= length) {
                    expected = candidate;
                    break;
                }
            }
            assertThat(shape.classFor(length)).as("length %d of %d..%d", length, min, max).isSameAs(expected);
        }
        for (int length : new int[] {Integer.MAX_VALUE - 1, Integer.MAX_VALUE}) {
            SizeClasses huge = SizeClasses.of(0, ElementType.BYTE, min, Integer.MAX_VALUE, 1);
            assertThat(huge.classFor(length).length).isEqualTo(Integer.MAX_VALUE);
        }
    }

    @Test
    void withoutAMinimumThereShouldBeOneClassOfTheBufferSize() {
        assertThat(SizeClasses.lengths(0, 4096)).containsExactly(4096);
        assertThat(SizeClasses.lengths(4096, 4096)).containsExactly(4096);
    }

    @Test
    void aRentShouldHaveExactlyTheAskedLengthAndComeFromTheSmallestClassThatFits() {
        try (PinnedMemoryPool<byte[]> pool = pool(4096, 65536).build()) {
            int[] lengths = SizeClasses.lengths(4096, 65536);
            for (int classLength : lengths) {
                try (PinnedBuffer<byte[]> exact = pool.rent(classLength)) {
                    assertThat(exact.length()).isEqualTo(classLength);
                    assertThat(exact.byteSize()).isEqualTo(classLength);
                    assertThat(exact.toArray()).hasSize(classLength);
                }
            }
            try (PinnedBuffer<byte[]> small = pool.rent(1)) {
                assertThat(small.length()).isEqualTo(1);
            }
            PoolStats stats = pool.stats();
            assertThat(stats.sizeClasses()).hasSize(lengths.length);
            assertThat(stats.sizeClasses()).allSatisfy(c -> assertThat(c.misses()).isEqualTo(1));
            assertThat(stats.sizeClasses().getFirst().hits()).as("rent(1) was served by the 4096 class").isEqualTo(1);
            try (PinnedBuffer<byte[]> boundary = pool.rent(lengths[1] + 1)) {
                assertThat(pool.stats().sizeClasses().get(2).inUse()).isEqualTo(1);
                assertThat(boundary.length()).isEqualTo(lengths[1] + 1);
            }
            assertThat(pool.stats().requestedBytes()).isLessThanOrEqualTo(pool.stats().backingBytes());
        }
    }

    @Test
    void withoutSizeClassesARentOfAnyLengthShouldUseAFullSizeBuffer() {
        try (PinnedMemoryPool<int[]> pool = Backends.pool(ElementType.INT, Backends.MLOCK, RECLAIMER, new LeakRecorder())
                .bufferSize(1024).name("single").build()) {
            PinnedBuffer<int[]> full = pool.rent();
            long address = full.address();
            full.close();
            try (PinnedBuffer<int[]> part = pool.rent(10)) {
                assertThat(part.length()).isEqualTo(10);
                assertThat(part.byteSize()).isEqualTo(40);
                assertThat(part.address()).isEqualTo(address);
            }
            assertThat(pool.stats().sizeClasses()).singleElement().satisfies(c -> {
                assertThat(c.bufferLength()).isEqualTo(1024);
                assertThat(c.hits()).isEqualTo(1);
            });
            assertThat(pool.stats().requestedBytes()).isEqualTo(4096 + 40);
            assertThat(pool.stats().backingBytes()).isEqualTo(2 * 4096);
        }
    }

    @Test
    void lengthsOutsideOneToTheBufferSizeShouldBeRefusedNamingTheLengthAndTheLimit() {
        try (PinnedMemoryPool<byte[]> pool = pool(64, 1024).build()) {
            for (int bad : new int[] {0, -1, Integer.MIN_VALUE, 1025, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> pool.rent(bad)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("length: " + bad).hasMessageContaining("1 to 1024");
            }
            assertThat(pool.stats().rents()).isZero();
        }
    }

    @Test
    void aShorterLeaseShouldSeeZerosEvenWhereALongerOneWroteBefore() {
        try (PinnedMemoryPool<byte[]> pool = pool(64, 1024).build()) {
            try (PinnedBuffer<byte[]> longer = pool.rent(1024)) {
                longer.fill(7);
            }
            try (PinnedBuffer<byte[]> shorter = pool.rent(1000)) {
                shorter.fill(5);
                assertThat(shorter.toArray()).containsOnly(5);
            }
            try (PinnedBuffer<byte[]> again = pool.rent(1024)) {
                assertThat(again.toArray()).containsOnly(0);
            }
        }
    }

    /**
     * A lease shorter than its class's buffer starts as a view of the whole buffer (a rent allocates
     * the lease alone) and is cut to its length where the memory is handed out: no access through it
     * reaches a byte past its length.
     */
    @Test
    void aLeaseShorterThanItsBufferShouldReachOnlyItsOwnBytes() throws IOException {
        try (PinnedMemoryPool<byte[]> pool = pool(1024, 8192).maxSize(1).clearOnReturn(false).build()) {
            try (PinnedBuffer<byte[]> whole = pool.rent(1536)) {
                whole.fill(1);
            }
            PinnedBuffer<byte[]> shorter = pool.rent(1500);
            assertThat(shorter.byteSize()).isEqualTo(1500);
            shorter.fill(7);
            assertThat(shorter.segment().byteSize()).isEqualTo(1500);
            assertThatThrownBy(() -> shorter.copyFrom(Arena.ofAuto().allocate(1501)))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("1501").hasMessageContaining("1500");
            assertThatThrownBy(() -> shorter.copyTo(Arena.ofAuto().allocate(1499)))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("1499").hasMessageContaining("1500");
            MemorySegment out = Arena.ofAuto().allocate(1536);
            out.fill((byte) -1);
            shorter.copyTo(out);
            assertThat(out.asSlice(0, 1500).toArray(ValueLayout.JAVA_BYTE)).containsOnly(7);
            assertThat(out.asSlice(1500).toArray(ValueLayout.JAVA_BYTE)).as("not copied from past the lease").containsOnly(-1);
            byte[] incoming = new byte[2000];
            Arrays.fill(incoming, (byte) 3);
            ByteArrayInputStream channel = new ByteArrayInputStream(incoming);
            assertThat(shorter.readFrom(Channels.newChannel(channel))).isEqualTo(1500);
            assertThat(channel.available()).as("left in the channel").isEqualTo(500);
            try (PinnedBuffer<byte[]> narrowed = shorter.narrow(10)) {
                assertThat(narrowed.byteSize()).isEqualTo(10);
                assertThat(narrowed.segment().byteSize()).isEqualTo(10);
                narrowed.fill(9);
            }
            try (PinnedBuffer<byte[]> whole = pool.rent(1536)) {
                byte[] seen = whole.toArray();
                assertThat(Arrays.copyOfRange(seen, 0, 10)).containsOnly(9);
                assertThat(Arrays.copyOfRange(seen, 10, 1500)).containsOnly(3);
                assertThat(Arrays.copyOfRange(seen, 1500, 1536)).as("never reached by the shorter lease").containsOnly(1);
            }
        }
    }

    @Test
    void allClassesShouldShareTheBudgetGivingIdleBuffersOfOtherSizesBackWhenFull() {
        MemoryBudget budget = new MemoryBudget(2 * 65536);
        try (PinnedMemoryPool<byte[]> pool = pool(4096, 65536).budget(budget).build()) {
            List<PinnedBuffer<byte[]>> big = List.of(pool.rent(), pool.rent());
            big.forEach(PinnedBuffer::close);
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(budget.usedBytes()).isEqualTo(2 * 65536);
            try (PinnedBuffer<byte[]> small = pool.rent(4096)) {
                assertThat(small.length()).isEqualTo(4096);
                assertThat(budget.usedBytes()).isLessThanOrEqualTo(budget.limitBytes());
                assertThat(pool.stats().idle()).as("one idle big buffer was given back for it").isEqualTo(1);
            }
        }
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void aResizeShouldMoveTheLargestSizeAndKeepTheMinimum() {
        try (PinnedMemoryPool<byte[]> pool = pool(4096, 65536).initialSize(1).build()) {
            PinnedBuffer<byte[]> old = pool.rent(5000);
            pool.resize(131072);
            assertThat(pool.bufferSize()).isEqualTo(131072);
            assertThat(pool.minBufferSize()).isEqualTo(4096);
            assertThat(pool.stats().sizeClasses().getFirst().bufferLength()).isEqualTo(4096);
            assertThat(pool.stats().sizeClasses().getLast().bufferLength()).isEqualTo(131072);
            assertThat(pool.stats().idle()).isEqualTo(1);
            old.close();
            assertThat(pool.stats().dropped()).isEqualTo(1);
            try (PinnedBuffer<byte[]> big = pool.rent(131072)) {
                assertThat(big.length()).isEqualTo(131072);
            }
        }
    }

    @Test
    void concurrentRentsOfMixedSizesShouldNeverShareMemory() throws Exception {
        try (PinnedMemoryPool<byte[]> pool = pool(512, 16384).maxSize(8).build()) {
            Set<Long> held = ConcurrentHashMap.newKeySet();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                byte owner = (byte) (t + 1);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 3000; i++) {
                            int length = 1 + ThreadLocalRandom.current().nextInt(16384);
                            try (PinnedBuffer<byte[]> buffer = pool.rent(length)) {
                                if (!held.add(buffer.address())) {
                                    throw new AssertionError("two holders of " + buffer.address());
                                }
                                buffer.fill(owner);
                                for (byte b : buffer.toArray()) {
                                    if (b != owner) {
                                        throw new AssertionError("saw another renter's data");
                                    }
                                }
                                held.remove(buffer.address());
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            PoolStats stats = pool.stats();
            assertThat(stats.rents()).isEqualTo(12000);
            assertThat(stats.inUse()).isZero();
            assertThat(stats.sizeClasses().stream().mapToLong(SizeClassStats::hits).sum()
                    + stats.sizeClasses().stream().mapToLong(SizeClassStats::misses).sum()).isEqualTo(12000);
            assertThat((double) stats.backingBytes()).isLessThanOrEqualTo(1.25 * stats.requestedBytes() + 12000 * 512);
        }
    }
}
