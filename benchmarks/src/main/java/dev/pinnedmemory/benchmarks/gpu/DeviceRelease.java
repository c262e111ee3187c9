package dev.pinnedmemory.benchmarks.gpu;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * Gives back every device this JVM holds a context on, before PyTorch measures in its own process:
 * for each device whose primary context is active ({@code cuDevicePrimaryCtxGetState}), that device
 * made current, synchronised and reset ({@code cudaDeviceReset}), which destroys the context. On a
 * GPU in exclusive-process compute mode a second process gets no context while this one holds its
 * own; elsewhere the peer then has the device and its memory to itself. Runs on a thread of its own
 * with a time limit, since a wedged driver may not answer. Call it only when nothing of the check's
 * uses CUDA any more. Immutable after construction.
 */
final class DeviceRelease {

    /** The devices released, or null when the release failed or did not finish. */
    final @Nullable List<Integer> released;
    /** Why the release failed, or null. */
    final @Nullable String problem;

    DeviceRelease(Duration limit) {
        AtomicReference<List<Integer>> done = new AtomicReference<>();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name("device-release").daemon().start(() -> {
            try {
                done.set(releaseAll());
            } catch (RuntimeException | LinkageError e) {
                failure.set(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        });
        boolean finished;
        try {
            finished = worker.join(limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        this.released = finished ? done.get() : null;
        this.problem = !finished ? "cudaDeviceReset did not return within " + limit.toSeconds() + " s" : failure.get();
    }

    private static List<Integer> releaseAll() {
        check("cuInit", JCudaDriver.cuInit(0));
        int[] count = new int[1];
        check("cudaGetDeviceCount", JCuda.cudaGetDeviceCount(count));
        List<Integer> released = new ArrayList<>();
        for (int ordinal = 0; ordinal < count[0]; ordinal++) {
            CUdevice device = new CUdevice();
            check("cuDeviceGet", JCudaDriver.cuDeviceGet(device, ordinal));
            int[] flags = new int[1];
            int[] active = new int[1];
            check("cuDevicePrimaryCtxGetState", JCudaDriver.cuDevicePrimaryCtxGetState(device, flags, active));
            if (active[0] == 0) {
                continue;   // no context here: selecting the device would make one
            }
            check("cudaSetDevice(" + ordinal + ")", JCuda.cudaSetDevice(ordinal));
            check("cudaDeviceSynchronize", JCuda.cudaDeviceSynchronize());
            check("cudaDeviceReset", JCuda.cudaDeviceReset());
            released.add(ordinal);
        }
        return released;
    }

    private static void check(String call, int code) {
        if (code != 0) {
            throw new IllegalStateException(call + " failed with code " + code);
        }
    }

    /** {@return the report's words for it} */
    String describe() {
        return released != null ? "released device(s) " + released + " before PyTorch ran" : "not released: " + problem;
    }
}
