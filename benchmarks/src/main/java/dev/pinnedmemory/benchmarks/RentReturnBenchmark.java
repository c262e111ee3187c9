package dev.pinnedmemory.benchmarks;

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

import java.util.concurrent.TimeUnit;

/**
 * Rent + return of one off-heap buffer: {@code PinnedMemoryPool.rent()} + the lease's {@code close()}
 * against Netty's pooled and adaptive allocators ({@code directBuffer} + {@code release}), Commons Pool 2
 * ({@code borrowObject} + {@code returnObject}) and an {@code ArrayBlockingQueue} pool
 * ({@code poll} + {@code offer}), on one thread and on two threads sharing the pool.
 *
 * <p>{@code pinned-pool} keeps {@code clearOnReturn=false}, like every peer (none of them zeroes
 * a buffer); {@code pinned-pool-clearing} is the pool's default, which zeroes the whole buffer on
 * every return and so costs a {@code memset} of {@code bytes}. {@code pinned-pool-strict} is
 * {@code pinned-pool} with {@code strictSegments(true)}: each lease gets a segment of its own that
 * throws once the lease ends, which costs a shared arena opened per rent and closed per return
 * (closing a shared arena is a JVM-wide handshake), so its score next to {@code pinned-pool} and
 * {@code netty-pooled} is the price of that safety.
 *
 * <p>Scores are ns per rent+return pair and per thread: total throughput at two threads over one
 * thread is {@code 2 * score(1 thread) / score(2 threads)}. Run with {@code -prof gc} for the
 * bytes allocated per pair ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class RentReturnBenchmark {

    @Param({"65536", "4194304"})
    public int bytes;

    @Param({BufferPoolPeer.PINNED_POOL, BufferPoolPeer.PINNED_POOL_CLEARING, BufferPoolPeer.PINNED_POOL_STRICT,
            BufferPoolPeer.NETTY_POOLED, BufferPoolPeer.NETTY_ADAPTIVE, BufferPoolPeer.COMMONS_POOL2, BufferPoolPeer.ARRAY_BLOCKING_QUEUE})
    public String implementation;

    /**
     * Idle buffers in each pool ({@code initialSize = maxSize}): more than the threads, so a rent
     * never misses. Also the pinned pool's slot count, which decides where each thread starts its
     * search (see docs/BENCHMARKS.md on two-thread scaling).
     */
    @Param({"4"})
    public int pooledBuffers;

    private BufferPoolPeer peer;

    @Setup(Level.Trial)
    public void setUp() {
        peer = BufferPoolPeer.create(implementation, bytes, pooledBuffers);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        peer.close();
    }

    @Benchmark
    @Threads(1)
    public Object rentReturn() {
        return peer.rentAndReturn();
    }

    @Benchmark
    @Threads(2)
    public Object rentReturnTwoThreads() {
        return peer.rentAndReturn();
    }
}
