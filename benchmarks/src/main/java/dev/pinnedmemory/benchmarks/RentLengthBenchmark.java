package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.SizeClassStats;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Rent + close of a buffer of a given length, for lengths that vary from one rent to the next:
 * {@code PinnedMemoryPool.rent(length)} + {@code close()} on a pool with size classes
 * ({@code bufferSize(maxBytes).minBufferSize(minBytes)}, classes at most 1.25x apart) against
 * Netty's pooled and adaptive allocators ({@code directBuffer(length)} + {@code release()}, as in
 * {@code RentReturnBenchmark}), on one thread.
 *
 * <p>The lengths are a fixed pseudo-random sequence of {@value #LENGTHS} lengths, log-uniform
 * between {@code minBytes} and {@code maxBytes} (every size range of one doubling is as likely as
 * any other), made in set-up from a fixed seed and cycled through, so every run and every peer sees
 * the same lengths in the same order. The pinned pool keeps up to {@value #IDLE_PER_CLASS} idle
 * buffers per size class and set-up fills every class with two of them, then rents each length of
 * the sequence once (as does Netty's set-up), so the measurement sees only hits.
 *
 * <p>What the size classes cost in memory is not a time: {@link #wasteRatios} computes, for the
 * same sequence, the bytes backing the rents over the bytes asked for, with this pool's classes and
 * with a power-of-two scheme (the next power of two at or above each length, as PyTorch's
 * {@code CachingHostAllocator} bins pinned host memory). {@link #main} prints it;
 * {@code RentLengthWasteTests} holds the pool to at most 1.25 and below the power-of-two ratio.
 *
 * <p>Scores are ns per rent+close pair. Run with {@code -prof gc} for the bytes allocated per pair
 * ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RentLengthBenchmark {

    static final String PINNED_POOL = "pinned-pool";
    static final String NETTY_POOLED = "netty-pooled";
    static final String NETTY_ADAPTIVE = "netty-adaptive";

    /** Lengths in the sequence; a power of two, so the index wraps with a mask. */
    static final int LENGTHS = 1024;
    /** The sequence's seed: fixed, so every run and every peer rents the same lengths. */
    static final long SEED = 0x5EED_1E46_7A5EL;
    /** Most idle buffers the pinned pool keeps per size class ({@code maxSize}). */
    static final int IDLE_PER_CLASS = 4;

    /** The smallest length asked for, and the pool's smallest size class ({@code minBufferSize}). */
    @Param({"4096"})
    public int minBytes;

    /** The largest length asked for, and the pool's buffer size ({@code bufferSize}). */
    @Param({"4194304"})
    public int maxBytes;

    @Param({PINNED_POOL, NETTY_POOLED, NETTY_ADAPTIVE})
    public String implementation;

    private int[] lengths;
    private int next;
    private PinnedMemoryPool<byte[]> pool;
    private ByteBufAllocator netty;

    @Setup(Level.Trial)
    public void setUp() {
        lengths = lengths(SEED, LENGTHS, minBytes, maxBytes);
        next = 0;
        switch (implementation) {
            case PINNED_POOL -> {
                pool = pool(Backends.mlock(), minBytes, maxBytes);
                warm(pool);
                for (int length : lengths) {
                    pool.rent(length).close();
                }
            }
            case NETTY_POOLED, NETTY_ADAPTIVE -> {
                // Netty 4.2's allocators, private instances configured as in RentReturnBenchmark's peers.
                netty = implementation.equals(NETTY_POOLED) ? new PooledByteBufAllocator(true)
                        : new AdaptiveByteBufAllocator(true, true);
                for (int length : lengths) {
                    netty.directBuffer(length).release();
                }
            }
            default -> throw new IllegalArgumentException("implementation: '" + implementation + "' (expected one of: "
                    + PINNED_POOL + ", " + NETTY_POOLED + ", " + NETTY_ADAPTIVE + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        netty = null;
    }

    @Benchmark
    @Threads(1)
    public Object rentClose() {
        int length = lengths[next];
        next = (next + 1) & (LENGTHS - 1);
        if (pool != null) {
            PinnedBuffer<byte[]> buffer = pool.rent(length);
            buffer.close();
            return buffer;
        }
        ByteBuf buffer = netty.directBuffer(length);
        buffer.release();
        return buffer;
    }

    /** {@return the pool under test: byte buffers of {@code minBytes} to {@code maxBytes}, none up front} */
    static PinnedMemoryPool<byte[]> pool(PageLockingBackend backend, int minBytes, int maxBytes) {
        return PinnedMemoryPool.builder(ElementType.BYTE)
                .bufferSize(maxBytes)
                .minBufferSize(minBytes)
                .initialSize(0)
                .maxSize(IDLE_PER_CLASS)
                .clearOnReturn(false)
                .backend(backend)
                .name("rent-length")
                .build();
    }

    /** Rents two buffers of every size class at once and closes them, so each class keeps two idle. */
    private static void warm(PinnedMemoryPool<byte[]> pool) {
        for (int length : classLengths(pool)) {
            List<PinnedBuffer<byte[]>> held = new ArrayList<>(2);
            held.add(pool.rent(length));
            held.add(pool.rent(length));
            held.forEach(PinnedBuffer::close);
        }
    }

    /**
     * {@return {@code count} lengths, log-uniform between {@code min} and {@code max} inclusive, from
     * {@code seed}: the same array for the same arguments, on every JVM}
     */
    static int[] lengths(long seed, int count, int min, int max) {
        if (min <= 0 || max < min) {
            throw new IllegalArgumentException("lengths between " + min + " and " + max
                    + " (expected: 0 < min <= max)");
        }
        SplittableRandom random = new SplittableRandom(seed);
        double logMin = Math.log(min);
        double logSpan = Math.log(max) - logMin;
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            long length = Math.round(Math.exp(logMin + random.nextDouble() * logSpan));
            lengths[i] = (int) Math.clamp(length, min, max);
        }
        return lengths;
    }

    /** {@return the buffer lengths of the pool's size classes, ascending, as {@code stats()} reports them} */
    static int[] classLengths(PinnedMemoryPool<?> pool) {
        return pool.stats().sizeClasses().stream().mapToInt(SizeClassStats::bufferLength).toArray();
    }

    /**
     * Backing bytes over asked bytes for one sequence of rents: {@code sizeClasses} with the pool's
     * ladder (the smallest class at or above each length), {@code powerOfTwo} with the next power of
     * two at or above each length. Each is a sum over the sequence divided by a sum, so large rents
     * weigh more, as they do in memory; {@code worstSizeClass} and {@code worstPowerOfTwo} are the
     * largest ratio of a single rent.
     */
    record WasteRatios(double sizeClasses, double powerOfTwo, double worstSizeClass, double worstPowerOfTwo) {

        @Override
        public String toString() {
            return "backing/asked bytes: size classes %.4f (worst rent %.4f), power of two %.4f (worst rent %.4f)"
                    .formatted(sizeClasses, worstSizeClass, powerOfTwo, worstPowerOfTwo);
        }
    }

    /**
     * {@return the waste ratios of {@code lengths} served from classes of {@code classLengths}
     * (ascending; the last at least every length) and from power-of-two bins}
     */
    static WasteRatios wasteRatios(int[] lengths, int[] classLengths) {
        long asked = 0;
        long classBacked = 0;
        long powerBacked = 0;
        double worstClass = 0;
        double worstPower = 0;
        for (int length : lengths) {
            long inClass = classFor(length, classLengths);
            long inPower = nextPowerOfTwo(length);
            asked += length;
            classBacked += inClass;
            powerBacked += inPower;
            worstClass = Math.max(worstClass, (double) inClass / length);
            worstPower = Math.max(worstPower, (double) inPower / length);
        }
        return new WasteRatios((double) classBacked / asked, (double) powerBacked / asked, worstClass, worstPower);
    }

    /** {@return the smallest of {@code classLengths} (ascending) that holds {@code length}} */
    static int classFor(int length, int[] classLengths) {
        for (int classLength : classLengths) {
            if (classLength >= length) {
                return classLength;
            }
        }
        throw new IllegalArgumentException("length: " + length + " (expected: at most the largest class, "
                + classLengths[classLengths.length - 1] + ")");
    }

    /** {@return the smallest power of two at or above {@code length} (a positive int)} */
    static long nextPowerOfTwo(int length) {
        return length <= 1 ? 1 : Long.highestOneBit((long) length - 1) << 1;
    }

    /**
     * Prints the waste ratios of the benchmark's sequence (default 4 KiB to 4 MiB, or
     * {@code minBytes maxBytes} as arguments), reading the size classes from a pool on the
     * {@code unlocked} backend that allocates nothing:
     * {@code java -cp benchmarks/target/benchmarks.jar dev.pinnedmemory.benchmarks.RentLengthBenchmark}.
     */
    public static void main(String[] args) {
        int minBytes = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int maxBytes = args.length > 1 ? Integer.parseInt(args[1]) : 4 << 20;
        try (PinnedMemoryPool<byte[]> pool = pool(PageLockingBackends.unlocked(), minBytes, maxBytes)) {
            int[] classes = classLengths(pool);
            System.out.printf("%d lengths, log-uniform %d to %d bytes, seed %#x; %d size classes%n", LENGTHS,
                    minBytes, maxBytes, SEED, classes.length);
            System.out.println(wasteRatios(lengths(SEED, LENGTHS, minBytes, maxBytes), classes));
        }
    }
}
