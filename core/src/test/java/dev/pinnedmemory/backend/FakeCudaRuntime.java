package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * A CUDA runtime for tests on machines without a GPU, behaving as the real one does where it
 * matters here: each thread has a current device (0 until {@link #useDevice} selects one, as
 * {@code cudaSetDevice} does) and a current context; a call that needs a context on a thread that
 * has none creates the primary context of the thread's device and binds it, as the CUDA runtime's
 * lazy initialisation does, and {@link #contextsCreated} records it. Host allocations are real
 * memory. Every call is recorded with the thread and the context current when it was made.
 * Thread-safe.
 */
final class FakeCudaRuntime implements CudaRuntime {

    /** One call: what, on which thread, with which context current, about which address and size. */
    record Call(String name, String thread, long context, long address, long bytes) {
    }

    static final int INVALID_VALUE = 1;
    static final int NOT_READY = 600;

    final List<Call> calls = new ArrayList<>();
    /** Primary contexts created by a call on a thread without one, by device. */
    final List<Integer> contextsCreated = new ArrayList<>();
    /** Live cudaHostAlloc memory, by address. */
    final Map<Long, Arena> allocated = new ConcurrentHashMap<>();
    /** Live registrations: address to bytes. */
    final Map<Long, Long> registered = new ConcurrentHashMap<>();

    /** Throw {@code IllegalStateException} from cudaHostAlloc before allocating anything. */
    volatile boolean throwBeforeAllocating;
    /** Throw {@code IllegalArgumentException} from cudaHostAlloc after allocating, as JCuda does above 2 GiB on JDK 21+. */
    volatile boolean throwAfterAllocating;
    /** A code for cudaHostRegister to answer instead of success. */
    volatile int registerAnswer;
    /** A code for cuCtxSetCurrent to answer instead of success. */
    volatile int setContextAnswer;
    /** When set, each cudaHostAlloc counts it down and waits (at most 10 s) for it to reach zero: n threads allocate at once. */
    volatile @Nullable CountDownLatch allocationGate;

    private final int devices;
    private final ThreadLocal<int[]> device = ThreadLocal.withInitial(() -> new int[1]);
    private final ThreadLocal<long[]> context = ThreadLocal.withInitial(() -> new long[1]);

    FakeCudaRuntime(int devices) {
        this.devices = devices;
    }

    /** {@return the handle of device {@code device}'s primary context} */
    static long primaryContext(int device) {
        return 0xC0000 + device;
    }

    /** What {@code cudaSetDevice(device)} does since CUDA 12: selects the device and binds its primary context. */
    void useDevice(int device) {
        this.device.get()[0] = device;
        context.get()[0] = primaryContext(device);
    }

    /** {@return the context bound to the calling thread, 0 for none} */
    long contextHere() {
        return context.get()[0];
    }

    synchronized List<Call> calls(String name) {
        return calls.stream().filter(call -> call.name().equals(name)).toList();
    }

    synchronized List<Call> allCalls() {
        return List.copyOf(calls);
    }

    private synchronized void record(String name, long address, long bytes) {
        calls.add(new Call(name, Thread.currentThread().getName(), context.get()[0], address, bytes));
    }

    /** The runtime's lazy initialisation: a call that needs a context makes the device's primary context. */
    private void needContext() {
        if (context.get()[0] == 0) {
            int current = device.get()[0];
            synchronized (this) {
                contextsCreated.add(current);
            }
            context.get()[0] = primaryContext(current);
        }
    }

    @Override
    public int deviceCount(int[] count) {
        count[0] = devices;
        return devices == 0 ? 100 : SUCCESS;   // cudaErrorNoDevice
    }

    @Override
    public @Nullable String deviceName(int device) {
        return "Fake GPU " + device;
    }

    @Override
    public int currentDevice(int[] device) {
        device[0] = this.device.get()[0];
        return SUCCESS;
    }

    @Override
    public @Nullable String pciBusId(int device) {
        return "0000:3b:00." + device;
    }

    @Override
    public int hostAlloc(long bytes, int flags, long[] address) {
        CountDownLatch gate = allocationGate;
        if (gate != null) {
            gate.countDown();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (throwBeforeAllocating) {
            throw new IllegalStateException("driver gone");
        }
        needContext();
        Arena arena = Arena.ofShared();
        long at = arena.allocate(bytes, 4096).address();
        allocated.put(at, arena);
        address[0] = at;
        record("cudaHostAlloc", at, bytes);
        if (throwAfterAllocating) {
            throw new IllegalArgumentException("capacity > Integer.MAX_VALUE: " + bytes);
        }
        return SUCCESS;
    }

    @Override
    public int freeHost(long address) {
        needContext();
        record("cudaFreeHost", address, 0);
        Arena arena = allocated.remove(address);
        if (arena == null) {
            return INVALID_VALUE;
        }
        arena.close();
        return SUCCESS;
    }

    @Override
    public int hostRegister(long address, long bytes, int flags) {
        needContext();
        record("cudaHostRegister", address, bytes);
        if (registerAnswer != SUCCESS) {
            return registerAnswer;
        }
        registered.put(address, bytes);
        return SUCCESS;
    }

    @Override
    public int hostUnregister(long address) {
        needContext();
        record("cudaHostUnregister", address, 0);
        return registered.remove(address) == null ? INVALID_VALUE : SUCCESS;
    }

    @Override
    public int currentContext(long[] context) {
        context[0] = this.context.get()[0];
        return SUCCESS;
    }

    @Override
    public int setCurrentContext(long context) {
        record("cuCtxSetCurrent", context, 0);
        if (setContextAnswer != SUCCESS) {
            return setContextAnswer;
        }
        this.context.get()[0] = context;
        return SUCCESS;
    }

    @Override
    public String errorName(int code) {
        return "fakeCudaError (" + code + ")";
    }

    @Override
    public String driverErrorName(int code) {
        return "FAKE_CUDA_ERROR (" + code + ")";
    }
}
