package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs {@code count} allocations on a few short-lived threads, so that first touch and page-locking
 * of separate buffers proceed in parallel (as RAPIDS RMM and PyTorch's
 * {@code pinned_num_register_threads} do). Stops at the first failure (an Error too) and rethrows it on the calling thread.
 * The threads allocate as the calling thread would: with a CUDA backend, in the CUDA context current
 * on the calling thread (the pool's device), never in one of their own on device 0
 * ({@link PageLockingBackends#withCallersContext}). Stateless.
 */
final class Warmup {

    private Warmup() {
    }

    static void run(PageLockingBackend backend, int threads, int count, Runnable allocation) {
        AtomicInteger remaining = new AtomicInteger(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            while (failure.get() == null && remaining.getAndDecrement() > 0) {
                try {
                    allocation.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        Runnable onWorker = PageLockingBackends.withCallersContext(backend, worker);
        List<Thread> started = new ArrayList<>(threads - 1);
        for (int i = 1; i < threads; i++) {
            started.add(Thread.ofPlatform().name("pinned-memory-warmup-" + i).daemon().start(() -> {
                try {
                    onWorker.run();
                } catch (Throwable e) {   // the context switch itself failed
                    failure.compareAndSet(null, e);
                }
            }));
        }
        worker.run();
        boolean interrupted = false;
        for (Thread thread : started) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable error = failure.get();
        if (error instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (error instanceof Error fatal) {
            throw fatal;
        }
        if (error != null) {
            throw new IllegalStateException(error);
        }
    }
}
