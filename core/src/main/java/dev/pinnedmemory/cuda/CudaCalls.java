package dev.pinnedmemory.cuda;

import dev.pinnedmemory.PinnedMemoryException;

import jcuda.driver.CUresult;
import jcuda.runtime.cudaError;

import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * Small helpers for {@link CudaFence}'s calls: a JCuda call's return code also when JCuda's
 * process-wide exception switches are on ({@code JCuda.setExceptionsEnabled(true)} and
 * {@code JCudaDriver.setExceptionsEnabled(true)} make a failing call throw {@code jcuda.CudaException}
 * instead), the name of a code, and a call made with a given CUDA context current. The backends
 * keep their own package-private copy in {@code dev.pinnedmemory.backend} (which may depend on
 * nothing above it), so neither package exposes JCuda plumbing. Needs JCuda on the class path.
 * Stateless; thread-safe.
 */
final class CudaCalls {

    private CudaCalls() {
    }

    /** {@return the code the runtime {@code call} returned, or the code of the {@code jcuda.CudaException} it threw} */
    static int call(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (jcuda.CudaException e) {
            return codeOf(e, CudaCalls::runtimeName, cudaError.cudaErrorUnknown);
        }
    }

    /**
     * {@return the code the driver API {@code call} returned, or the code of the {@code jcuda.CudaException} it threw}
     *
     * @throws PinnedMemoryException when JCuda's driver library does not load (it needs the driver's {@code libcuda.so.1})
     */
    static int driverCall(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (jcuda.CudaException e) {
            return codeOf(e, CUresult::stringFor, CUresult.CUDA_ERROR_UNKNOWN);
        } catch (LinkageError e) {
            throw new PinnedMemoryException("JCuda's driver API did not load: " + e, 0);
        }
    }

    /** {@return a runtime code's name and number, e.g. {@code cudaErrorInsufficientDriver (35)}} */
    static String errorName(int code) {
        return runtimeName(code) + " (" + code + ")";
    }

    /** {@return a driver code's name and number, e.g. {@code CUDA_ERROR_INVALID_CONTEXT (201)}} */
    static String driverErrorName(int code) {
        String name;
        try {
            name = CUresult.stringFor(code);
        } catch (RuntimeException e) {
            name = "CUresult";
        }
        return name + " (" + code + ")";
    }

    /**
     * Runs {@code call} with {@code context} current on this thread, then puts back what the thread
     * had (another context, or none); nothing is switched when {@code context} is already current or
     * is 0. No device is ever selected ({@code cudaSetDevice} would create a primary context).
     *
     * @return the code {@code call} returned
     * @throws PinnedMemoryException naming {@code cuCtxGetCurrent} or {@code cuCtxSetCurrent} when the driver refuses
     */
    static int inContext(EventRuntime runtime, long context, IntSupplier call) {
        if (context == 0) {
            return call.getAsInt();
        }
        long[] previous = new long[1];
        int code = runtime.currentContext(previous);
        if (code != EventRuntime.SUCCESS) {
            throw new PinnedMemoryException("cuCtxGetCurrent failed: " + runtime.driverErrorName(code), 0);
        }
        if (previous[0] == context) {
            return call.getAsInt();
        }
        code = runtime.setCurrentContext(context);
        if (code != EventRuntime.SUCCESS) {
            throw new PinnedMemoryException("cuCtxSetCurrent failed: " + runtime.driverErrorName(code), 0);
        }
        Throwable failure = null;
        try {
            return call.getAsInt();
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            code = runtime.setCurrentContext(previous[0]);
            if (code != EventRuntime.SUCCESS) {
                PinnedMemoryException restore = new PinnedMemoryException("cuCtxSetCurrent (putting back the thread's "
                        + "context) failed: " + runtime.driverErrorName(code), 0);
                if (failure == null) {
                    throw restore;
                }
                failure.addSuppressed(restore);
            }
        }
    }

    private static String runtimeName(int code) {
        try {
            return cudaError.stringFor(code);
        } catch (RuntimeException e) {
            return "cudaError";
        }
    }

    /** JCuda's exception message starts with the error's name; map it back to its code. */
    private static int codeOf(jcuda.CudaException e, IntFunction<String> names, int unknown) {
        String message = String.valueOf(e.getMessage());
        for (int code = 1; code < 1000; code++) {
            String name = names.apply(code);
            if (!name.startsWith("INVALID") && message.startsWith(name)) {
                return code;
            }
        }
        return unknown;
    }
}
