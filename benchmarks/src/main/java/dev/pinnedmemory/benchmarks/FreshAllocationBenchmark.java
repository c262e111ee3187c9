package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackend;
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
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * What the pool saves: a fresh page-locked allocation and free ({@code mmap} + {@code mlock},
 * then {@code munlock} + {@code munmap} when the arena closes) against renting and returning a
 * pooled buffer of the same size. Fresh memory arrives zeroed, so the pool is measured both with
 * {@code clearOnReturn} (same guarantee) and without it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class FreshAllocationBenchmark {

    @Param({"4194304"})
    public int bytes;

    private PageLockingBackend backend;
    private PinnedMemoryPool<byte[]> pool;
    private PinnedMemoryPool<byte[]> clearingPool;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.mlock();
        pool = pool(false);
        clearingPool = pool(true);
    }

    private PinnedMemoryPool<byte[]> pool(boolean clearOnReturn) {
        return PinnedMemoryPool.builder(ElementType.BYTE)
                .bufferSize(bytes)
                .initialSize(1)
                .maxSize(1)
                .clearOnReturn(clearOnReturn)
                .backend(backend)
                .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        clearingPool.close();
    }

    @Benchmark
    public long freshMlock() {
        try (Arena arena = Arena.ofShared()) {
            return backend.allocate(bytes, arena).address();
        }
    }

    @Benchmark
    public PinnedBuffer<byte[]> poolRentReturn() {
        PinnedBuffer<byte[]> buffer = pool.rent();
        pool.returnBuffer(buffer);
        return buffer;
    }

    @Benchmark
    public PinnedBuffer<byte[]> poolRentReturnClearing() {
        PinnedBuffer<byte[]> buffer = clearingPool.rent();
        clearingPool.returnBuffer(buffer);
        return buffer;
    }
}
