package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.backend.PageLockingUnavailableException;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Host-to-device bandwidth ({@code cudaMemcpy}), 1 MiB to 1 GiB, from a pooled pinned buffer (the
 * {@code cuda} backend: {@code cudaHostAlloc} memory the DMA engine reads in place) against a
 * pageable heap array and a direct {@code ByteBuffer} (both staged by the driver through its own
 * pinned bounce buffer).
 *
 * <p>The score is wall time per synchronous copy; the secondary metrics {@code deviceMillis} and
 * {@code bytesCopied} are timed with CUDA events around each copy, so bandwidth in GB/s is
 * {@code bytesCopied / deviceMillis / 1e6} (both are summed the same way, so the ratio holds).
 *
 * <p>Without a CUDA driver and device, {@link #setUp()} fails with a message that says so and
 * why, and JMH reports the benchmark as skipped (failed) and goes on with the next one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class CudaBandwidthBenchmark {

    static final String POOLED_PINNED = "pooled-pinned";
    static final String HEAP_ARRAY = "heap-array";
    static final String DIRECT_BUFFER = "direct-buffer";

    /** Copy size; 1024 (1 GiB) is the largest a pooled {@code byte} buffer's {@code int} length allows in powers of two. */
    @Param({"1", "4", "16", "64", "256", "1024"})
    public int sizeMiB;

    @Param({POOLED_PINNED, HEAP_ARRAY, DIRECT_BUFFER})
    public String source;

    private long bytes;
    private PinnedMemoryPool<byte[]> pool;
    private PinnedBuffer<byte[]> pinned;
    private Pointer host;
    private final Pointer device = new Pointer();
    private final cudaStream_t stream = new cudaStream_t();
    private final cudaEvent_t start = new cudaEvent_t();
    private final cudaEvent_t stop = new cudaEvent_t();
    private final float[] elapsedMillis = new float[1];

    /** Events timed by CUDA, per copy; reset each iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class DeviceTime {
        public double deviceMillis;
        public long bytesCopied;

        @Setup(Level.Iteration)
        public void reset() {
            deviceMillis = 0;
            bytesCopied = 0;
        }
    }

    /**
     * {@return the {@code cuda} backend}
     *
     * @throws IllegalStateException saying the benchmark is skipped and why, where there is no
     *     usable CUDA driver and device (for example {@code cudaErrorInsufficientDriver})
     */
    static PageLockingBackend cudaBackendOrSkip() {
        try {
            return PageLockingBackends.select(BackendKind.CUDA, true).backend();
        } catch (PageLockingUnavailableException | LinkageError e) {
            throw new IllegalStateException("CudaBandwidthBenchmark skipped: no usable CUDA device here ("
                    + e.getMessage() + "). Run it on a machine with an NVIDIA GPU and driver.", e);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        PageLockingBackend cuda = cudaBackendOrSkip();
        JCuda.setExceptionsEnabled(false);
        bytes = (long) sizeMiB << 20;
        host = switch (source) {
            case POOLED_PINNED -> {
                pool = PinnedMemoryPool.builder(ElementType.BYTE)
                        .bufferSize(Math.toIntExact(bytes))
                        .initialSize(1)
                        .maxSize(1)
                        .clearOnReturn(false)
                        .backend(cuda)
                        .build();
                pinned = pool.rent();
                yield CudaPointers.to(pinned.segment());
            }
            case HEAP_ARRAY -> Pointer.to(new byte[Math.toIntExact(bytes)]);
            case DIRECT_BUFFER -> Pointer.to(ByteBuffer.allocateDirect(Math.toIntExact(bytes)));
            default -> throw new IllegalArgumentException("source: '" + source + "' (expected one of: "
                    + POOLED_PINNED + ", " + HEAP_ARRAY + ", " + DIRECT_BUFFER + ")");
        };
        check(JCuda.cudaMalloc(device, bytes), "cudaMalloc of " + bytes + " bytes");
        check(JCuda.cudaEventCreate(start), "cudaEventCreate");
        check(JCuda.cudaEventCreate(stop), "cudaEventCreate");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        JCuda.cudaEventDestroy(start);
        JCuda.cudaEventDestroy(stop);
        JCuda.cudaFree(device);
        if (pool != null) {
            pool.returnBuffer(pinned);
            pool.close();
        }
    }

    @Benchmark
    public float hostToDevice(DeviceTime time) {
        check(JCuda.cudaEventRecord(start, stream), "cudaEventRecord");
        check(JCuda.cudaMemcpy(device, host, bytes, cudaMemcpyKind.cudaMemcpyHostToDevice), "cudaMemcpy");
        check(JCuda.cudaEventRecord(stop, stream), "cudaEventRecord");
        check(JCuda.cudaEventSynchronize(stop), "cudaEventSynchronize");
        check(JCuda.cudaEventElapsedTime(elapsedMillis, start, stop), "cudaEventElapsedTime");
        time.deviceMillis += elapsedMillis[0];
        time.bytesCopied += bytes;
        return elapsedMillis[0];
    }

    private static void check(int result, String call) {
        if (result != cudaError.cudaSuccess) {
            throw new IllegalStateException(call + " failed: " + cudaError.stringFor(result) + " (" + result + ")");
        }
    }
}
