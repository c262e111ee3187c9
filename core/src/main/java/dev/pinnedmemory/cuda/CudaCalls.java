package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;

import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

import java.util.function.IntSupplier;

/**
 * Small helpers for {@link CudaFence}'s JCuda runtime calls: a call's return code also when JCuda's
 * process-wide exception switch is on ({@code JCuda.setExceptionsEnabled(true)} makes a failing call
 * throw {@code jcuda.CudaException} instead), the name of a code, and a call made with a given
 * device current. The backends keep their own package-private copy in
 * {@code dev.pinnedmemory.backend} (which may depend on nothing above it), so neither package
 * exposes JCuda plumbing. Needs JCuda on the class path. Stateless; thread-safe.
 */
final class CudaCalls {

    private CudaCalls() {
    }

    /** {@return the code {@code call} returned, or the code of the {@code jcuda.CudaException} it threw} */
    static int call(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (jcuda.CudaException e) {
            return codeOf(e);
        }
    }

    /** {@return a code's name and number, e.g. {@code cudaErrorInsufficientDriver (35)}} */
    static String errorName(int code) {
        String name;
        try {
            name = cudaError.stringFor(code);
        } catch (RuntimeException e) {
            name = "cudaError";
        }
        return name + " (" + code + ")";
    }

    /**
     * {@return the calling thread's current device}
     *
     * @throws PinnedMemoryException naming {@code cudaGetDevice} when it fails
     */
    static int currentDevice() {
        int[] device = new int[1];
        int code = call(() -> JCuda.cudaGetDevice(device));
        if (code != cudaError.cudaSuccess) {
            throw new PinnedMemoryException("cudaGetDevice failed: " + errorName(code), 0);
        }
        return device[0];
    }

    /**
     * Runs {@code call} with {@code device} current on this thread and restores the thread's
     * previous device, so that no context is created on a device the application does not use.
     *
     * @return the code {@code call} returned, or the code of a failed {@code cudaSetDevice}
     */
    static int onDevice(int device, IntSupplier call) {
        int[] previous = new int[1];
        int code = call(() -> JCuda.cudaGetDevice(previous));
        if (code != cudaError.cudaSuccess) {
            return code;
        }
        if (previous[0] == device) {
            return call(call);
        }
        code = call(() -> JCuda.cudaSetDevice(device));
        if (code != cudaError.cudaSuccess) {
            return code;
        }
        try {
            return call(call);
        } finally {
            call(() -> JCuda.cudaSetDevice(previous[0]));
        }
    }

    /** JCuda's exception message starts with the error's name; map it back to its code. */
    private static int codeOf(jcuda.CudaException e) {
        String message = String.valueOf(e.getMessage());
        for (int code = 1; code < 1000; code++) {
            String name = cudaError.stringFor(code);
            if (!name.startsWith("INVALID") && message.startsWith(name)) {
                return code;
            }
        }
        return cudaError.cudaErrorUnknown;
    }
}
