package dev.pinnedmemory.backend;

import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * What the {@code cuda} backends do with the CUDA runtime ({@link CudaRuntime}): probe the driver,
 * allocate and register host memory, and give it back in the context it was made in.
 *
 * <p>Contexts, not devices: an allocation remembers the CUDA context that was current when it was
 * made, and its free runs with that context current ({@code cuCtxSetCurrent}), then puts back
 * exactly what the thread had: another context, or none. No call here ever selects a device
 * ({@code cudaSetDevice}): since CUDA 12 that creates the device's primary context (hundreds of
 * MiB of device memory), and on the library's own threads, where no device was ever chosen, it
 * would create one on device 0 for applications that use only other devices. For the same reason
 * {@link #onCallersContext} gives worker threads the context of the thread that asked for the work.
 *
 * <p>Every return code is checked; a failure is a {@link BackendException} naming the call, the
 * size and the code. No memory is left allocated when a call fails, also when JCuda throws after
 * the driver allocated ({@link #hostAlloc}). Immutable; thread-safe.
 */
final class CudaHost {

    /** Bytes of the host allocation the probe makes and frees. */
    static final long PROBE_BYTES = 4096;

    private final CudaRuntime runtime;

    CudaHost(CudaRuntime runtime) {
        this.runtime = runtime;
    }

    /** {@return the host on JCuda: made at first use, so that nothing loads JCuda before a caller knows it is there} */
    static CudaHost jcuda() {
        return OnJCuda.HOST;
    }

    private static final class OnJCuda {
        static final CudaHost HOST = new CudaHost(new JCudaRuntime());
    }

    /** What the driver said: the device count and device 0's name, or why CUDA is unusable. */
    record Probe(int deviceCount, @Nullable String deviceName, @Nullable String problem) {
    }

    /**
     * Host memory the driver pinned: where it is, the context that was current when it was made
     * (0 if none could be read) and that context's device, for messages.
     */
    record Pinned(long address, long context, int device) {
    }

    /**
     * Asks the driver for its devices, then makes and frees a small portable host allocation, so a
     * driver that lists a device but cannot pin memory is found at start-up, not at the first rent.
     */
    Probe probe() {
        int[] count = new int[1];
        int code = runtime.deviceCount(count);
        if (code != CudaRuntime.SUCCESS) {
            return new Probe(-1, null, runtime.errorName(code));
        }
        if (count[0] == 0) {
            return new Probe(0, null, "no CUDA device");
        }
        String name = runtime.deviceName(0);
        try {
            freeHost(hostAlloc(PROBE_BYTES, CudaRuntime.HOST_ALLOC_PORTABLE));
        } catch (BackendException e) {
            return new Probe(count[0], name, "probe allocation failed: " + e.getMessage());
        }
        return new Probe(count[0], name, null);
    }

    /**
     * {@return {@code bytes} of page-locked host memory from {@code cudaHostAlloc}, and the context it was made in}
     * JCuda wraps the memory in a direct {@code ByteBuffer}, which JDK 21 and later refuse above
     * {@code Integer.MAX_VALUE} bytes with an {@code IllegalArgumentException} after the driver
     * allocated (jcuda/jcuda-main#54): whatever JCuda throws, memory it got is freed here before the
     * failure is reported. {@link CudaBackend} never asks for that much (it registers large buffers).
     *
     * @param flags {@link CudaRuntime#HOST_ALLOC_PORTABLE}, optionally or-ed with {@link CudaRuntime#HOST_ALLOC_WRITE_COMBINED}
     * @throws BackendException naming {@code cudaHostAlloc}, the size and the reason; nothing stays allocated
     */
    Pinned hostAlloc(long bytes, int flags) {
        long[] address = new long[1];
        int code;
        try {
            code = runtime.hostAlloc(bytes, flags, address);
        } catch (RuntimeException | Error e) {
            if (address[0] == 0) {
                throw new BackendException("cudaHostAlloc of " + Sizes.bytes(bytes) + " failed: " + e, bytes);
            }
            int freed = runtime.freeHost(address[0]);
            throw new BackendException("cudaHostAlloc of " + Sizes.bytes(bytes) + " allocated, then JCuda failed: " + e
                    + (freed == CudaRuntime.SUCCESS ? "; the memory was freed"
                    : "; cudaFreeHost of it failed too: " + runtime.errorName(freed)), bytes);
        }
        if (code != CudaRuntime.SUCCESS) {
            throw new BackendException("cudaHostAlloc of " + Sizes.bytes(bytes) + " failed: " + runtime.errorName(code), bytes);
        }
        return pinnedHere(address[0], bytes, () -> runtime.freeHost(address[0]), "cudaFreeHost");
    }

    /**
     * Frees memory from {@link #hostAlloc} with the context it was made in current.
     *
     * @throws BackendException naming {@code cudaFreeHost} (or the context call) when the driver refuses
     */
    void freeHost(Pinned memory) {
        int code = inContext(memory.context(), () -> runtime.freeHost(memory.address()));
        if (code != CudaRuntime.SUCCESS) {
            throw new BackendException("cudaFreeHost on device " + memory.device() + " failed: " + runtime.errorName(code), 0);
        }
    }

    /**
     * Registers {@code bytes} at {@code address} with the driver ({@code cudaHostRegister} with
     * {@code cudaHostRegisterPortable}): the pages are pinned and every context of the process may
     * copy from them by DMA.
     *
     * @return the registration, with the context it was made in
     * @throws BackendException naming {@code cudaHostRegister}, the size and the CUDA error; nothing stays registered
     */
    Pinned hostRegister(long address, long bytes) {
        int code = runtime.hostRegister(address, bytes, CudaRuntime.HOST_REGISTER_PORTABLE);
        if (code != CudaRuntime.SUCCESS) {
            throw new BackendException("cudaHostRegister of " + Sizes.bytes(bytes) + " refused: " + runtime.errorName(code),
                    bytes);
        }
        return pinnedHere(address, bytes, () -> runtime.hostUnregister(address), "cudaHostUnregister");
    }

    /** {@return the code of {@code cudaHostUnregister} of a registration, called with the context it was made in current} */
    int hostUnregister(Pinned registration) {
        return inContext(registration.context(), () -> runtime.hostUnregister(registration.address()));
    }

    /** {@return the name and number of a runtime code} */
    String errorName(int code) {
        return runtime.errorName(code);
    }

    /** {@return the PCI bus id of the calling thread's current device, e.g. {@code 0000:3b:00.0}, or null with no device} */
    @Nullable String currentDevicePciBusId() {
        int[] device = new int[1];
        return runtime.currentDevice(device) == CudaRuntime.SUCCESS ? runtime.pciBusId(device[0]) : null;
    }

    /**
     * {@return {@code task}, which another thread will run, wrapped so that it runs with the CUDA
     * context that is current on the calling thread now, and leaves that thread's context as it was}
     * Without a context here (or where the driver does not answer), {@code task} itself: the worker
     * then does what this thread would have done.
     */
    Runnable onCallersContext(Runnable task) {
        long[] context = new long[1];
        try {
            if (runtime.currentContext(context) != CudaRuntime.SUCCESS || context[0] == 0) {
                return task;
            }
        } catch (BackendException e) {
            return task;
        }
        long callers = context[0];
        return () -> inContext(callers, () -> {
            task.run();
            return CudaRuntime.SUCCESS;
        });
    }

    /**
     * Runs {@code call} with {@code context} current on this thread, then puts back what the thread
     * had (another context, or none); nothing is switched when {@code context} is already current or
     * is 0 (unknown).
     *
     * @return the code {@code call} returned
     * @throws BackendException naming {@code cuCtxGetCurrent} or {@code cuCtxSetCurrent} when the driver refuses
     */
    int inContext(long context, IntSupplier call) {
        if (context == 0) {
            return call.getAsInt();
        }
        long[] previous = new long[1];
        int code = runtime.currentContext(previous);
        if (code != CudaRuntime.SUCCESS) {
            throw new BackendException("cuCtxGetCurrent failed: " + runtime.driverErrorName(code), 0);
        }
        if (previous[0] == context) {
            return call.getAsInt();
        }
        code = runtime.setCurrentContext(context);
        if (code != CudaRuntime.SUCCESS) {
            throw new BackendException("cuCtxSetCurrent failed: " + runtime.driverErrorName(code), 0);
        }
        Throwable failure = null;
        try {
            return call.getAsInt();
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            code = runtime.setCurrentContext(previous[0]);
            if (code != CudaRuntime.SUCCESS) {
                BackendException restore = new BackendException("cuCtxSetCurrent (putting back the thread's context) "
                        + "failed: " + runtime.driverErrorName(code), 0);
                if (failure == null) {
                    throw restore;
                }
                failure.addSuppressed(restore);
            }
        }
    }

    /**
     * {@return memory just pinned at {@code address}, with the context and device now current}
     * Reading them fails only with a broken driver; the memory is then given back with {@code undo}.
     */
    private Pinned pinnedHere(long address, long bytes, IntSupplier undo, String undoCall) {
        long[] context = new long[1];
        int[] device = new int[1];
        String problem;
        try {
            int code = runtime.currentContext(context);
            problem = code != CudaRuntime.SUCCESS ? "cuCtxGetCurrent failed: " + runtime.driverErrorName(code) : null;
        } catch (BackendException e) {
            problem = e.getMessage();
        }
        if (problem == null) {
            int code = runtime.currentDevice(device);
            problem = code != CudaRuntime.SUCCESS ? "cudaGetDevice failed: " + runtime.errorName(code) : null;
        }
        if (problem == null) {
            return new Pinned(address, context[0], device[0]);
        }
        int code = undo.getAsInt();
        throw new BackendException(problem + (code == CudaRuntime.SUCCESS ? "" : "; " + undoCall + " then failed too: "
                + runtime.errorName(code)), bytes);
    }
}
