package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * What {@code clearOnReturn} costs the renter: rent + return of one 4 MiB buffer with and without
 * it, followed by {@code pauseTokens} of {@link Blackhole#consumeCPU} (the work a service does
 * between two rents of the buffer; {@code 0} is the worst case, back-to-back rents of one buffer,
 * where nothing can zero it between a return and the next rent). The score is the whole operation
 * (pause included); the {@link RenterTime} counters time the rent and the return alone with
 * {@link System#nanoTime()} (about 20 ns of their own, the same with and without clearing), so
 * {@code renterNanos / rents} is what the renter's thread pays, without the pause's noise.
 *
 * <p>The buffer is returned without being written: its lease still counts as having written all
 * of it, so the clear is the full 4 MiB either way. Runs against whatever core is on the class
 * path, so the same class measures the code before a change (zeroing at rent on the renter's
 * thread) and after it (zeroing on the library's background thread).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ClearOnReturnBenchmark {

    @Param({"4194304"})
    public int bytes;

    @Param({"true", "false"})
    public boolean clearOnReturn;

    /** Work between two rents, in {@code Blackhole.consumeCPU} tokens; 0 is back to back. */
    @Param({"0", "50000", "200000"})
    public long pauseTokens;

    private PinnedMemoryPool<byte[]> pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(bytes).initialSize(1).maxSize(1)
                .clearOnReturn(clearOnReturn).backend(Backends.mlock()).name("clear-on-return").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    /** Nanoseconds spent in rent + return, and how many there were, per iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class RenterTime {
        public long renterNanos;
        public long rents;

        @Setup(Level.Iteration)
        public void reset() {
            renterNanos = 0;
            rents = 0;
        }
    }

    @Benchmark
    public int rentReturn(RenterTime time) {
        long start = System.nanoTime();
        PinnedBuffer<byte[]> buffer = pool.rent();
        int length = buffer.length();
        pool.returnBuffer(buffer);
        time.renterNanos += System.nanoTime() - start;
        time.rents++;
        Blackhole.consumeCPU(pauseTokens);
        return length;
    }
}
