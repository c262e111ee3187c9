package dev.pinnedmemory.benchmarks.gpu;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The time to make pinned memory through a pool's warm-up: a pool of {@code n} buffers of 1 GiB
 * built with {@code initialSize = n} on up to 8 threads (so the build returns when all of it is
 * allocated, resident and zeroed, and locked or registered), for each working backend, then closed
 * and waited for until its memory is given back before the next one starts. PyTorch's
 * {@code torch.empty(pin_memory=True)} makes one unfilled block on one thread: the report sets
 * these rows against both that and {@code torch.zeros}, and says which is which
 * ({@link GpuCheck#warmupSection}). Not thread-safe; one per run.
 */
final class WarmupTiming {

    /** One pool's warm-up: its total size, backend, seconds (or the problem), and the threads it used. */
    record Row(int gib, String backend, double seconds, int threads, String problem) {

        Map<String, Object> json() {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("gib", gib);
            row.put("backend", backend);
            row.put("seconds", problem.isEmpty() ? seconds : null);
            row.put("warmupThreads", threads);
            if (!problem.isEmpty()) {
                row.put("problem", problem);
            }
            return row;
        }
    }

    private static final int GIB = 1 << 30;
    private final List<Row> rows = new ArrayList<>();

    WarmupTiming(WorkingBackends backends, int[] sizesGib, BooleanSupplier inTime) {
        int threads = Math.min(8, Runtime.getRuntime().availableProcessors());
        for (int gib : sizesGib) {
            for (Map.Entry<String, PageLockingBackend> backend : backends.working.entrySet()) {
                if (!inTime.getAsBoolean()) {
                    rows.add(new Row(gib, backend.getKey(), 0, threads, "skipped: the check's time budget is spent"));
                    continue;
                }
                rows.add(time(gib, backend.getKey(), backend.getValue(), threads));
            }
            backends.refused.forEach((name, why) -> rows.add(new Row(gib, name, 0, threads, "backend unavailable: " + why)));
        }
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    private static Row time(int gib, String name, PageLockingBackend backend, int threads) {
        MemoryBudget budget = MemoryBudget.unlimited();
        long start = System.nanoTime();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(GIB).initialSize(gib)
                .maxSize(gib).clearOnReturn(false).warmupThreads(threads).backend(backend).budget(budget)
                .name("warmup-" + name + "-" + gib + "g").build()) {
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.close();
            awaitFreed(budget);
            return new Row(gib, name, seconds, threads, "");
        } catch (RuntimeException | OutOfMemoryError e) {
            awaitFreed(budget);
            return new Row(gib, name, 0, threads, "warm-up failed: " + e.getMessage());
        }
    }

    /** The reclaimer frees closed memory off this thread: wait (at most a minute) so that runs do not overlap. */
    static void awaitFreed(MemoryBudget budget) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (budget.usedBytes() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }
}
