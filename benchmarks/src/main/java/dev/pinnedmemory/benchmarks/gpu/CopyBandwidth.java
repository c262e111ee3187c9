package dev.pinnedmemory.benchmarks.gpu;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaEvent_t;
import jcuda.runtime.cudaMemcpyKind;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Host-to-device and device-to-host {@code cudaMemcpy} bandwidth from pooled buffers of each
 * working backend, a heap {@code byte[]} and a direct {@code ByteBuffer}. Each copy is timed with
 * CUDA events on the default stream; a row gives the median GB/s (10^9 bytes per second) of its
 * measured copies after two unmeasured ones, and the fastest and slowest. Not thread-safe; one per run.
 */
final class CopyBandwidth {

    /** One measured configuration: a direction, a size, a source, its GB/s or why it has none. */
    record Row(String direction, int sizeMiB, String source, double medianGbps, double minGbps, double maxGbps,
               int copies, String problem) {

        Map<String, Object> json() {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("direction", direction);
            row.put("sizeMiB", sizeMiB);
            row.put("source", source);
            row.put("gbps", problem.isEmpty() ? medianGbps : null);
            row.put("minGbps", problem.isEmpty() ? minGbps : null);
            row.put("maxGbps", problem.isEmpty() ? maxGbps : null);
            row.put("copies", copies);
            if (!problem.isEmpty()) {
                row.put("problem", problem);
            }
            return row;
        }
    }

    static final String HEAP = "heap-array";
    static final String DIRECT = "direct-buffer";
    private static final int WARM_COPIES = 2;
    /** The legacy default stream, the one synchronous {@code cudaMemcpy} runs on. */
    private static final jcuda.runtime.cudaStream_t DEFAULT_STREAM = new jcuda.runtime.cudaStream_t();

    private final List<Row> rows = new ArrayList<>();

    /**
     * Measures every size and source, both directions, while {@code inTime} says there is time left.
     *
     * @param sizesMiB copy sizes, at most 1024 (a pooled byte buffer's {@code int} length)
     */
    CopyBandwidth(WorkingBackends backends, int[] sizesMiB, BooleanSupplier inTime) {
        for (int sizeMiB : sizesMiB) {
            long bytes = (long) sizeMiB << 20;
            Pointer device = new Pointer();
            int code = JCuda.cudaMalloc(device, bytes);
            if (code != cudaError.cudaSuccess) {
                rows.add(new Row("both", sizeMiB, "all", 0, 0, 0, 0, "cudaMalloc of " + sizeMiB + " MiB: " + name(code)));
                continue;
            }
            try {
                List<String> sources = new ArrayList<>();
                backends.working.keySet().forEach(backend -> sources.add("pooled-" + backend));
                sources.add(HEAP);
                sources.add(DIRECT);
                for (String source : sources) {
                    if (!inTime.getAsBoolean()) {
                        rows.add(new Row("both", sizeMiB, source, 0, 0, 0, 0, "skipped: the check's time budget is spent"));
                        continue;
                    }
                    measure(backends, source, sizeMiB, bytes, device);
                }
                backends.refused.forEach((backend, why) ->
                        rows.add(new Row("both", sizeMiB, "pooled-" + backend, 0, 0, 0, 0, "backend unavailable: " + why)));
            } finally {
                JCuda.cudaFree(device);
            }
        }
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    private void measure(WorkingBackends backends, String source, int sizeMiB, long bytes, Pointer device) {
        int copies = sizeMiB >= 512 ? 6 : 20;
        PinnedMemoryPool<byte[]> pool = null;
        PinnedBuffer<byte[]> buffer = null;
        MemoryBudget budget = MemoryBudget.unlimited();
        try {
            Pointer host;
            if (source.startsWith("pooled-")) {
                PageLockingBackend backend = backends.get(source.substring("pooled-".length()));
                pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(Math.toIntExact(bytes)).initialSize(1)
                        .maxSize(1).clearOnReturn(false).backend(backend).budget(budget).name(source).build();
                buffer = pool.rent();
                buffer.fill(1);
                host = CudaPointers.to(buffer.segment());
            } else if (source.equals(HEAP)) {
                byte[] array = new byte[Math.toIntExact(bytes)];
                Arrays.fill(array, (byte) 1);
                host = Pointer.to(array);
            } else {
                ByteBuffer direct = ByteBuffer.allocateDirect(Math.toIntExact(bytes));
                host = Pointer.to(direct);
            }
            rows.add(time("h2d", sizeMiB, source, bytes, copies, () -> JCuda.cudaMemcpy(device, host, bytes,
                    cudaMemcpyKind.cudaMemcpyHostToDevice)));
            rows.add(time("d2h", sizeMiB, source, bytes, copies, () -> JCuda.cudaMemcpy(host, device, bytes,
                    cudaMemcpyKind.cudaMemcpyDeviceToHost)));
        } catch (RuntimeException | OutOfMemoryError e) {
            rows.add(new Row("both", sizeMiB, source, 0, 0, 0, 0, "setup failed: " + e));
        } finally {
            if (buffer != null) {
                buffer.close();
            }
            if (pool != null) {
                pool.close();
                WarmupTiming.awaitFreed(budget);   // the next source's copies must not meet a cudaFreeHost
            }
        }
    }

    private static Row time(String direction, int sizeMiB, String source, long bytes, int copies,
                            java.util.function.IntSupplier copy) {
        cudaEvent_t start = new cudaEvent_t();
        cudaEvent_t stop = new cudaEvent_t();
        if (JCuda.cudaEventCreate(start) != 0 || JCuda.cudaEventCreate(stop) != 0) {
            return new Row(direction, sizeMiB, source, 0, 0, 0, 0, "cudaEventCreate failed");
        }
        try {
            double[] gbps = new double[copies];
            float[] millis = new float[1];
            for (int i = -WARM_COPIES; i < copies; i++) {
                int code = JCuda.cudaEventRecord(start, DEFAULT_STREAM);
                code = code != 0 ? code : copy.getAsInt();
                code = code != 0 ? code : JCuda.cudaEventRecord(stop, DEFAULT_STREAM);
                code = code != 0 ? code : JCuda.cudaEventSynchronize(stop);
                code = code != 0 ? code : JCuda.cudaEventElapsedTime(millis, start, stop);
                if (code != 0) {
                    return new Row(direction, sizeMiB, source, 0, 0, 0, 0, "copy failed: " + name(code));
                }
                if (i >= 0) {
                    gbps[i] = bytes / (millis[0] * 1e6);
                }
            }
            Arrays.sort(gbps);
            return new Row(direction, sizeMiB, source, gbps[copies / 2], gbps[0], gbps[copies - 1], copies, "");
        } finally {
            JCuda.cudaEventDestroy(start);
            JCuda.cudaEventDestroy(stop);
        }
    }

    private static String name(int code) {
        return cudaError.stringFor(code) + " (" + code + ")";
    }
}
