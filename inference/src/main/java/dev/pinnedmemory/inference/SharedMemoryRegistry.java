package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.backend.PageLockingBackend;
import org.jspecify.annotations.Nullable;

/**
 * The system shared memory regions clients have registered (Triton's system shared memory extension to the
 * Open Inference Protocol), by name, for every transport: register, unregister, status, and, for requests
 * whose tensors name a region ({@code shared_memory_region}, {@code shared_memory_offset},
 * {@code shared_memory_byte_size}), the views of it their inputs are read from and their outputs written to.
 *
 * {@snippet :
 * SharedMemoryRegistry regions = SharedMemoryRegistry.create(pool.backend(), pool.budget(), SharedMemoryLimits.DEFAULTS);
 * InferenceServer server = InferenceServer.builder(pool).models(models).sharedMemory(regions).build();
 * regions.register("input0", "/client_input0", 0, 1 << 20);   // maps /dev/shm/client_input0, locks it, counts it
 * ...
 * regions.close();                                              // at stop: every region unregistered and unlocked
 * }
 *
 * <p>Each region is mapped into this process, page-locked by the pools' backend ({@code mlock}, or
 * {@code cudaHostRegister} with CUDA: a GPU then copies the client's tensors by DMA, with no host copy) and
 * counted against the pools' budget while it is registered. Safe by default: {@link #disabled()} (what the
 * starter makes unless {@code pinned-memory.inference.shared-memory.enabled}) refuses everything with
 * {@code FORBIDDEN}; keys name files in {@code /dev/shm} only; offsets and sizes are checked against the object
 * and the region; {@link SharedMemoryLimits} bound the regions and bytes. Every refusal is an
 * {@link InferenceException} naming the region, the offset, the size and the limit, with nothing mapped or
 * locked. An unregister waits (up to {@link SharedMemoryLimits#unregisterTimeout()}) for the requests that use
 * the region; it takes no new one meanwhile.
 *
 * <p>Ownership: owns every registered region's mapping, lock and budget reservation, until it is unregistered
 * or {@link #close()}; whoever made the registry (the application context) closes it.
 *
 * <p>Thread-safe: registrations are serialised; lookups by requests take no lock but the region's own.
 */
public final class SharedMemoryRegistry implements AutoCloseable {

    /** The extension's name in the server metadata. */
    public static final String EXTENSION = "system_shared_memory";
    /** The parameter naming a tensor's region. */
    public static final String REGION = "shared_memory_region";
    /** The parameter giving a tensor's offset in its region (0 when left out). */
    public static final String OFFSET = "shared_memory_offset";
    /** The parameter giving a tensor's bytes in its region. */
    public static final String BYTE_SIZE = "shared_memory_byte_size";
    /** The property that switches the extension on, for messages. */
    static final String ENABLED_PROPERTY = "pinned-memory.inference.shared-memory.enabled";

    /** Region names: letters, digits and {@code _ . : -}, 1 to 128 of them (they appear in logs, metrics and URLs). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    private final boolean enabled;
    private final @Nullable PageLockingBackend backend;
    private final @Nullable MemoryBudget budget;
    private final SharedMemoryLimits limits;
    private final Map<String, SharedMemoryRegion> regions = new ConcurrentHashMap<>();
    private final ReentrantLock registering = new ReentrantLock();
    /** Regions whose memory is held, those being unregistered included, and their bytes. */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong heldBytes = new AtomicLong();
    private final LongAdder registrations = new LongAdder();
    private final LongAdder refusals = new LongAdder();
    private final LongAdder unregistrations = new LongAdder();
    private final LongAdder copiedBytes = new LongAdder();
    private volatile boolean closed;

    private SharedMemoryRegistry(boolean enabled, @Nullable PageLockingBackend backend, @Nullable MemoryBudget budget,
                                 SharedMemoryLimits limits) {
        this.enabled = enabled;
        this.backend = backend;
        this.budget = budget;
        this.limits = limits;
    }

    /**
     * {@return a registry whose regions are locked by {@code backend} (the tensor pool's: {@code pool.backend()})
     * and counted against {@code budget} (the pools': {@code pool.budget()})}
     */
    public static SharedMemoryRegistry create(PageLockingBackend backend, MemoryBudget budget, SharedMemoryLimits limits) {
        return new SharedMemoryRegistry(true, Objects.requireNonNull(backend, "backend"),
                Objects.requireNonNull(budget, "budget"), Objects.requireNonNull(limits, "limits"));
    }

    /** {@return a registry with the extension switched off: every operation, and every tensor naming a region, is refused with {@code FORBIDDEN}} */
    public static SharedMemoryRegistry disabled() {
        return new SharedMemoryRegistry(false, null, null, SharedMemoryLimits.DEFAULTS);
    }

    /** {@return whether clients may register regions (the server metadata then lists {@value #EXTENSION})} */
    public boolean isEnabled() {
        return enabled;
    }

    /** {@return the limits regions are held to} */
    public SharedMemoryLimits limits() {
        return limits;
    }

    /** {@return the name of the backend that locks regions, or {@code none} when the extension is off} */
    public String backendName() {
        return backend == null ? "none" : backend.name();
    }

    /** {@return whether {@code parameters} (a tensor's) name a shared memory region: any of the three parameters is there} */
    public static boolean refersToRegion(Map<String, ?> parameters) {
        return parameters.containsKey(REGION) || parameters.containsKey(OFFSET) || parameters.containsKey(BYTE_SIZE);
    }

    /**
     * Registers the region {@code name}: {@code byteSize} bytes from {@code offset} of the POSIX shared memory
     * object {@code key} ({@code /name}, the file {@code /dev/shm/name}), mapped, page-locked and counted.
     *
     * @return the region's status
     * @throws InferenceException {@code FORBIDDEN} when the extension is off; {@code INVALID_ARGUMENT} for a bad
     *     name, a name registered already, a bad key, an object that is missing or no regular file, an offset or
     *     size outside the object; {@code LIMIT_EXCEEDED} over {@code max-regions} or {@code max-total-size};
     *     {@code OUT_OF_MEMORY} when the budget or the operating system refuses to lock that much. Each names the
     *     region, the offset, the size and the limit; nothing is mapped or locked then.
     */
    public SharedMemoryRegionStatus register(String name, String key, long offset, long byteSize) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(key, "key");
        checkEnabled("registering a system shared memory region");
        registering.lock();
        try {
            if (closed) {
                throw refused(new InferenceException(InferenceException.Reason.MODEL_NOT_READY, "shared memory region '"
                        + SharedMemoryKeys.printable(name) + "' cannot be registered: the server is shutting down"));
            }
            if (!NAME.matcher(name).matches()) {
                throw refused(InferenceException.invalid("shared memory region name '" + SharedMemoryKeys.printable(name)
                        + "' (expected: 1 to 128 letters, digits, '_', '.', ':' or '-')"));
            }
            if (regions.containsKey(name)) {
                SharedMemoryRegion existing = regions.get(name);
                throw refused(InferenceException.invalid("shared memory region '" + name + "' is registered already (key '"
                        + (existing == null ? "?" : existing.key()) + "'): unregister it first"));
            }
            if (held.get() >= limits.maxRegions()) {
                throw refused(new InferenceException(InferenceException.Reason.LIMIT_EXCEEDED, "shared memory region '" + name
                        + "' (key '" + SharedMemoryKeys.printable(key) + "', offset " + offset + ", byte_size " + byteSize
                        + "): " + held.get() + " regions are registered, the limit (pinned-memory.inference.shared-memory."
                        + "max-regions) is " + limits.maxRegions()));
            }
            if (byteSize > limits.maxTotalBytes() - heldBytes.get()) {
                throw refused(new InferenceException(InferenceException.Reason.LIMIT_EXCEEDED, "shared memory region '" + name
                        + "' (key '" + SharedMemoryKeys.printable(key) + "', offset " + offset + ", byte_size " + byteSize
                        + "): " + heldBytes.get() + " bytes are registered, and " + byteSize + " more exceed the limit of "
                        + limits.maxTotalBytes() + " bytes (pinned-memory.inference.shared-memory.max-total-size)"));
            }
            SharedMemoryRegion region;
            try {
                region = SharedMemoryRegion.open(name, key, offset, byteSize, Objects.requireNonNull(backend),
                        Objects.requireNonNull(budget), () -> released(byteSize));
            } catch (InferenceException e) {
                throw refused(e);
            }
            held.incrementAndGet();
            heldBytes.addAndGet(byteSize);
            regions.put(name, region);
            registrations.increment();
            return region.status();
        } finally {
            registering.unlock();
        }
    }

    /**
     * Unregisters the region {@code name}: it takes no new request at once, and its memory is given back (unlocked,
     * unmapped, its budget released) when the requests that use it have ended, waiting for them up to the
     * unregister timeout (then the last of them gives it back). An unknown name is no error (as Triton answers).
     *
     * @throws InferenceException {@code FORBIDDEN} when the extension is off
     */
    public void unregister(String name) {
        Objects.requireNonNull(name, "name");
        checkEnabled("unregistering a system shared memory region");
        SharedMemoryRegion region;
        registering.lock();
        try {
            region = regions.remove(name);
        } finally {
            registering.unlock();
        }
        if (region != null) {
            unregistrations.increment();
            region.close(limits.unregisterTimeout());
        }
    }

    /**
     * Unregisters every region, as {@link #unregister} does, waiting for their requests together up to the
     * unregister timeout.
     *
     * @throws InferenceException {@code FORBIDDEN} when the extension is off
     */
    public void unregisterAll() {
        checkEnabled("unregistering the system shared memory regions");
        closeAll(limits.unregisterTimeout());
    }

    /**
     * {@return the status of the region {@code name}, or of every region (by name) when it is null or empty}
     *
     * @throws InferenceException {@code FORBIDDEN} when the extension is off; {@code INVALID_ARGUMENT} for a region
     *     that is not registered, naming the ones that are
     */
    public List<SharedMemoryRegionStatus> status(@Nullable String name) {
        checkEnabled("the status of system shared memory");
        if (name == null || name.isEmpty()) {
            return regions.values().stream().map(SharedMemoryRegion::status)
                    .sorted(Comparator.comparing(SharedMemoryRegionStatus::name)).toList();
        }
        SharedMemoryRegion region = regions.get(name);
        if (region == null) {
            throw InferenceException.invalid("no shared memory region '" + SharedMemoryKeys.printable(name)
                    + "' is registered (registered: " + registeredNames() + ")");
        }
        return List.of(region.status());
    }

    /** {@return the regions registered now (those being unregistered not among them)} */
    public int regionCount() {
        return regions.size();
    }

    /** {@return the regions whose memory is held now, those being unregistered whose requests still run included} */
    public int heldRegionCount() {
        return held.get();
    }

    /** {@return the bytes of the regions whose memory is held now (mapped, locked and counted on the budget)} */
    public long heldBytes() {
        return heldBytes.get();
    }

    /** {@return the registrations that succeeded since the registry was made} */
    public long registrations() {
        return registrations.sum();
    }

    /** {@return the registrations refused since the registry was made} */
    public long refusedRegistrations() {
        return refusals.sum();
    }

    /** {@return the unregistrations of registered regions since the registry was made} */
    public long unregistrations() {
        return unregistrations.sum();
    }

    /** {@return the output bytes copied into regions because a model answered in memory of its own, since the registry was made} */
    public long copiedBytes() {
        return copiedBytes.sum();
    }

    /**
     * Unregisters every region at the application's stop, waiting for their requests up to the unregister
     * timeout, and refuses registrations from then on. A second call does nothing more.
     */
    @Override
    public void close() {
        closed = true;
        if (enabled) {
            closeAll(limits.unregisterTimeout());
        }
    }

    /**
     * Takes a hold on the region {@code reference} names for a request's tensor, and {@return the view of the
     * tensor's bytes with the hold}, after checking that the region exists, holds them and has not shrunk.
     *
     * @param tensor the tensor as messages name it
     * @throws InferenceException {@code FORBIDDEN} when the extension is off; {@code INVALID_ARGUMENT} for an
     *     unknown region, bytes outside it, or a region whose object shrank (the hold is then ended)
     */
    Use use(SharedMemoryReference reference, String tensor) {
        if (!enabled) {
            throw new InferenceException(InferenceException.Reason.FORBIDDEN, tensor + " names shared memory region '"
                    + reference.region() + "', but system shared memory is switched off (" + ENABLED_PROPERTY + ")");
        }
        SharedMemoryRegion region = regions.get(reference.region());
        AutoCloseable hold = region == null ? null : region.tryHold();
        if (region == null || hold == null) {
            throw InferenceException.invalid(tensor + ": no shared memory region '" + reference.region() + "' is registered"
                    + (region == null ? "" : " (it is being unregistered)") + " (registered: " + registeredNames() + ")");
        }
        try {
            if (reference.offset() > region.byteSize() || reference.byteSize() > region.byteSize() - reference.offset()) {
                throw InferenceException.invalid(tensor + ": " + OFFSET + " " + reference.offset() + " + " + BYTE_SIZE + " "
                        + reference.byteSize() + " lie outside shared memory region '" + region.name() + "' of "
                        + region.byteSize() + " bytes");
            }
            String shrank = region.shrank();
            if (shrank != null) {
                throw InferenceException.invalid(tensor + ": shared memory region '" + region.name() + "' cannot be used: "
                        + shrank + "; unregister it");
            }
            return new Use(region, reference, region.view(reference.offset(), reference.byteSize()), hold);
        } catch (RuntimeException e) {
            closeQuietly(hold);
            throw e;
        }
    }

    /** Counts output bytes copied into a region. */
    void copied(Use use, long bytes) {
        use.region().copied(bytes);
        copiedBytes.add(bytes);
    }

    private void closeAll(Duration wait) {
        List<SharedMemoryRegion> closing;
        registering.lock();
        try {
            closing = new ArrayList<>(regions.values());
            regions.clear();
        } finally {
            registering.unlock();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (SharedMemoryRegion region : closing) {
            unregistrations.increment();
            region.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    private void released(long byteSize) {
        held.decrementAndGet();
        heldBytes.addAndGet(-byteSize);
    }

    private void checkEnabled(String what) {
        if (!enabled) {
            throw new InferenceException(InferenceException.Reason.FORBIDDEN, what + " is not allowed: system shared "
                    + "memory is switched off (" + ENABLED_PROPERTY + ")");
        }
    }

    private InferenceException refused(InferenceException e) {
        refusals.increment();
        return e;
    }

    private List<String> registeredNames() {
        return regions.keySet().stream().sorted().limit(32).toList();
    }

    private static void closeQuietly(AutoCloseable hold) {
        try {
            hold.close();
        } catch (Exception ignored) {
            // A region's hold does not throw.
        }
    }

    @Override
    public String toString() {
        return enabled ? "SharedMemoryRegistry[" + regions.size() + " regions, " + heldBytes.get() + " bytes, " + backendName()
                + "]" : "SharedMemoryRegistry[disabled]";
    }

    /**
     * A request's use of a region: the view of its tensor's bytes and the hold that keeps the region mapped,
     * which the request's end closes.
     *
     * @param region the region
     * @param reference what the tensor's parameters said
     * @param view the tensor's bytes in the region: {@code reference.byteSize()} of them
     * @param hold closing it ends the use, exactly once
     */
    record Use(SharedMemoryRegion region, SharedMemoryReference reference, MemorySegment view, AutoCloseable hold) {
    }
}
