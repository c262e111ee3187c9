package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Copies of a {@code float[]} into and out of a pooled pinned buffer ({@code copyFrom},
 * {@code copyTo}) against {@code System.arraycopy} of the same bytes heap to heap (the practical
 * limit of a JVM copy) and against a native-order direct {@code FloatBuffer} ({@code put},
 * {@code get}), the NIO way to stage floats off-heap.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class CopyBenchmark {

    @Param({"65536", "1048576", "16777216"})
    public int bytes;

    private float[] source;
    private float[] destination;
    private PinnedMemoryPool<float[]> pool;
    private PinnedBuffer<float[]> pinned;
    private FloatBuffer direct;

    @Setup(Level.Trial)
    public void setUp() {
        int floats = bytes / Float.BYTES;
        source = new float[floats];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < floats; i++) {
            source[i] = (float) random.nextDouble();
        }
        destination = new float[floats];
        pool = PinnedMemoryPool.builder(ElementType.FLOAT)
                .bufferSize(floats)
                .initialSize(1)
                .maxSize(1)
                .clearOnReturn(false)
                .backend(Backends.mlock())
                .build();
        pinned = pool.rent();
        pinned.copyFrom(source);
        direct = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(source).clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.returnBuffer(pinned);
        pool.close();
    }

    @Benchmark
    public PinnedBuffer<float[]> copyFrom() {
        pinned.copyFrom(source);
        return pinned;
    }

    @Benchmark
    public float[] copyTo() {
        pinned.copyTo(destination);
        return destination;
    }

    @Benchmark
    public float[] systemArraycopy() {
        System.arraycopy(source, 0, destination, 0, source.length);
        return destination;
    }

    @Benchmark
    public FloatBuffer floatBufferPut() {
        direct.clear();
        return direct.put(source);
    }

    @Benchmark
    public float[] floatBufferGet() {
        direct.clear();
        direct.get(destination);
        return destination;
    }
}
