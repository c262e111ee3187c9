package dev.pinnedmemory.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The machine's own two-thread ceiling, measured in the same run as {@link RentReturnBenchmark}:
 * work that shares nothing between threads ({@code Blackhole.consumeCPU}, about as long as a
 * rent + return pair) on one and on two threads. Total throughput at two threads over one thread,
 * {@code 2 * score(1 thread) / score(2 threads)}, is the most any pool can reach here; on a
 * machine with two idle physical cores it is close to 2.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ScalingControlBenchmark {

    /** Blackhole.consumeCPU tokens: 32 is about 20 ns on the reference machine. */
    @Param({"32"})
    public int tokens;

    @Benchmark
    @Threads(1)
    public void sharedNothing() {
        Blackhole.consumeCPU(tokens);
    }

    @Benchmark
    @Threads(2)
    public void sharedNothingTwoThreads() {
        Blackhole.consumeCPU(tokens);
    }
}
