package dev.pinnedmemory.backend;

import jcuda.driver.CUresult;
import jcuda.runtime.cudaError;

import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * Small helpers for {@link CudaRuntime.JCudaRuntime}'s JCuda calls: a call's return code also when
 * JCuda's process-wide exception switches are on ({@code JCuda.setExceptionsEnabled(true)} and
 * {@code JCudaDriver.setExceptionsEnabled(true)} make a failing call throw {@code jcuda.CudaException}
 * instead), and the name of a runtime or driver code. {@code dev.pinnedmemory.cuda} keeps its own
 * package-private copy for the fence's calls, so neither package exposes JCuda plumbing. Needs JCuda
 * on the class path. Stateless; thread-safe.
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
     * @throws BackendException when JCuda's driver library does not load (it needs the driver's {@code libcuda.so.1})
     */
    static int driverCall(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (jcuda.CudaException e) {
            return codeOf(e, CUresult::stringFor, CUresult.CUDA_ERROR_UNKNOWN);
        } catch (LinkageError e) {
            throw new BackendException("JCuda's driver API did not load: " + e, 0);
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
