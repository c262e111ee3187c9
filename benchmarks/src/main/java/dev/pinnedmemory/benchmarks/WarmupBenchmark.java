package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Pool warm-up: the time for {@code build()} to allocate and page-lock {@code initialSize} buffers
 * totalling {@code totalMiB}, serially ({@code warmupThreads=1}, the baseline: one thread touches
 * and locks every page) against several threads that each allocate and lock separate buffers (the
 * technique of RAPIDS RMM and PyTorch's {@code pinned_num_register_threads}). One cold build per
 * measurement; the pool is closed (unlocked, unmapped) after each, outside the timing.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class WarmupBenchmark {

    @Param({"1024"})
    public int totalMiB;

    @Param({"4"})
    public int bufferMiB;

    @Param({"1", "2", "4"})
    public int warmupThreads;

    private PinnedMemoryPool<byte[]> pool;

    @Benchmark
    public PinnedMemoryPool<byte[]> buildPool() {
        int buffers = totalMiB / bufferMiB;
        pool = PinnedMemoryPool.builder(ElementType.BYTE)
                .bufferSize(bufferMiB << 20)
                .initialSize(buffers)
                .maxSize(buffers)
                .warmupThreads(warmupThreads)
                .backend(Backends.mlock())
                .build();
        return pool;
    }

    @TearDown(Level.Iteration)
    public void closePool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }
}
