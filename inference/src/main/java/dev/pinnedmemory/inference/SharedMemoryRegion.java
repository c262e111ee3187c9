package dev.pinnedmemory.inference;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.backend.BackendException;
import dev.pinnedmemory.backend.PageLock;
import dev.pinnedmemory.backend.PageLockingBackend;
import org.jspecify.annotations.Nullable;

/**
 * One registered system shared memory region: the client's object opened ({@link SharedMemoryKeys}), the
 * registered range mapped into this process ({@code FileChannel.map} in a shared arena), its pages locked by the
 * pool's backend ({@link PageLockingBackend#lock}: {@code mlock}, or {@code cudaHostRegister} with CUDA), its
 * bytes reserved on the pools' budget, and the requests using it now.
 *
 * <p>Opening is all or nothing: the object is checked (a regular file holding {@code offset + byteSize} bytes)
 * before anything is reserved, mapped or locked, and whatever a later step refuses undoes the earlier ones.
 * Registering locks, and so faults in, every page, so nothing the region holds is paged out or missing later.
 *
 * <p>Truncation: a client that shrinks (or truncates) its object after registration takes the pages past the
 * new end out of every mapping, locked or not; an access to them then faults ({@code SIGBUS}). Java reads and
 * writes of the region go through {@code MemorySegment}, where the JVM turns that fault into an
 * {@link InternalError}, never a crash; {@link #shrank()} checks the object's size (one {@code fstat}) each time
 * a request takes the region, so a region whose object shrank is refused before it is used. A client that only
 * removes ({@code shm_unlink}s) its object changes nothing here: the mapping keeps the memory until it is
 * unregistered. Native code that reads the memory itself (a CUDA copy from pageable memory) is not protected:
 * that is why clients must not shrink a registered object (see the module's README).
 *
 * <p>Ownership: owns the channel, the mapping, the lock and the reservation, all given back once by
 * {@link #close(Duration)} or, when requests still used the region then, by the last of them to end. Views
 * handed out are valid while their request holds the region; afterwards an access through one throws
 * {@link IllegalStateException} (the arena is closed), never touches unmapped memory.
 *
 * <p>Thread-safe: requests take and end their holds on any thread; one thread closes.
 */
final class SharedMemoryRegion {

    private static final System.Logger LOG = System.getLogger(SharedMemoryRegion.class.getName());

    private final String name;
    private final String key;
    private final long offset;
    private final long byteSize;
    private final FileChannel channel;
    private final Arena arena;
    private final MemorySegment mapping;
    private final PageLock lock;
    private final MemoryBudget.Reservation reservation;
    private final Runnable onReleased;
    private final ReentrantLock users = new ReentrantLock();
    private final Condition unused = users.newCondition();
    private final AtomicBoolean released = new AtomicBoolean();
    private final LongAdder requests = new LongAdder();
    private final LongAdder copiedBytes = new LongAdder();
    private int active;
    private boolean closing;
    /** Set when {@link #close} stopped waiting with requests still active: the last of them releases the memory. */
    private boolean deferred;

    private SharedMemoryRegion(String name, String key, long offset, long byteSize, FileChannel channel, Arena arena,
                               MemorySegment mapping, PageLock lock, MemoryBudget.Reservation reservation,
                               Runnable onReleased) {
        this.name = name;
        this.key = key;
        this.offset = offset;
        this.byteSize = byteSize;
        this.channel = channel;
        this.arena = arena;
        this.mapping = mapping;
        this.lock = lock;
        this.reservation = reservation;
        this.onReleased = onReleased;
    }

    /**
     * Opens, maps, reserves and locks the region {@code byteSize} bytes from {@code offset} of the object {@code key}
     * names; on any refusal nothing stays open, mapped, reserved or locked.
     *
     * @param onReleased run once, when the region's memory has been given back
     * @throws InferenceException {@code INVALID_ARGUMENT} for a bad key, object, offset or size (naming the region,
     *     the key, the offset, the size and the object's size); {@code OUT_OF_MEMORY} when the budget or the
     *     operating system (or driver) refuses to lock that much
     */
    static SharedMemoryRegion open(String name, String key, long offset, long byteSize, PageLockingBackend backend,
                                   MemoryBudget budget, Runnable onReleased) {
        Path path = SharedMemoryKeys.resolve(name, key);
        String described = "shared memory region '" + name + "'";
        if (offset < 0 || byteSize < 1) {
            throw InferenceException.invalid(described + ": offset " + offset + ", byte_size " + byteSize
                    + " (expected: an offset of at least 0 and a byte_size of at least 1)");
        }
        FileChannel channel = SharedMemoryKeys.open(name, key, path);
        Arena arena = null;
        MemoryBudget.Reservation reservation = null;
        PageLock lock = null;
        try {
            long objectSize = size(channel, described);
            if (offset > objectSize || byteSize > objectSize - offset) {
                throw InferenceException.invalid(described + ": offset " + offset + " + byte_size " + byteSize + " = "
                        + (offset + byteSize < 0 ? "more than a long holds" : Long.toString(offset + byteSize))
                        + " bytes, past the end of '" + key + "', which holds " + objectSize + " bytes");
            }
            try {
                reservation = budget.reserve(byteSize, described);
            } catch (MemoryBudgetExceededException e) {
                throw new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, described + " of " + byteSize
                        + " bytes does not fit the pinned memory budget: " + e.getMessage(), e);
            }
            arena = Arena.ofShared();
            MemorySegment mapping;
            try {
                mapping = channel.map(FileChannel.MapMode.READ_WRITE, offset, byteSize, arena);
            } catch (IOException | RuntimeException e) {
                throw InferenceException.invalid(described + ": '" + key + "' could not be mapped (offset " + offset
                        + ", byte_size " + byteSize + "): " + e.getMessage());
            }
            try {
                lock = backend.lock(mapping);
            } catch (BackendException e) {
                throw new InferenceException(InferenceException.Reason.OUT_OF_MEMORY, described + " of " + byteSize
                        + " bytes could not be page-locked by backend '" + backend.name() + "': " + e.getMessage(), e);
            }
            if (size(channel, described) < offset + byteSize) {
                // Shrunk while it was being mapped: the lock may have faulted past its end already.
                throw InferenceException.invalid(described + ": '" + key + "' shrank while it was registered");
            }
            return new SharedMemoryRegion(name, key, offset, byteSize, channel, arena, mapping, lock, reservation, onReleased);
        } catch (RuntimeException | Error e) {
            undo(lock, arena, channel, reservation);
            throw e;
        }
    }

    String name() {
        return name;
    }

    String key() {
        return key;
    }

    long byteSize() {
        return byteSize;
    }

    /**
     * Takes a hold on the region for one request, unless it is being unregistered; {@return the hold, whose
     * close ends it exactly once, or null}
     */
    @Nullable AutoCloseable tryHold() {
        users.lock();
        try {
            if (closing) {
                return null;
            }
            active++;
        } finally {
            users.unlock();
        }
        requests.increment();
        AtomicBoolean ended = new AtomicBoolean();
        return () -> {
            if (ended.compareAndSet(false, true)) {
                endHold();
            }
        };
    }

    /** {@return {@code length} bytes from {@code start} of the region, valid while a hold lasts} */
    MemorySegment view(long start, long length) {
        return mapping.asSlice(start, length);
    }

    /**
     * {@return what is wrong if the object no longer holds the registered range (a client shrank it), else null}
     * One {@code fstat}.
     */
    @Nullable String shrank() {
        long now;
        try {
            now = channel.size();
        } catch (IOException e) {
            return "the size of '" + key + "' could not be read: " + e.getMessage();
        }
        return now >= offset + byteSize ? null : "'" + key + "' holds " + now + " bytes now, fewer than the " + (offset + byteSize)
                + " of its registered range (offset " + offset + ", byte_size " + byteSize + "): its client shrank it";
    }

    /** Counts output bytes the server copied into the region. */
    void copied(long bytes) {
        copiedBytes.add(bytes);
    }

    /**
     * Takes no new request from now on, waits up to {@code wait} for the ones using the region, then gives its
     * memory back: unlocks, unmaps, closes the object and the reservation. {@return true when that happened now,
     * false when requests still used it (the last of them gives the memory back)}
     */
    boolean close(Duration wait) {
        users.lock();
        try {
            closing = true;
            long nanos = wait.toNanos();
            while (active > 0 && nanos > 0) {
                try {
                    nanos = unused.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (active > 0) {
                deferred = true;
                LOG.log(System.Logger.Level.WARNING, "shared memory region ''{0}'' is still used by {1} request(s) after "
                        + "{2} ms (pinned-memory.inference.shared-memory.unregister-timeout): it takes no new request and is "
                        + "unmapped when they end", name, active, wait.toMillis());
                return false;
            }
        } finally {
            users.unlock();
        }
        release();
        return true;
    }

    /** {@return whether the region's memory was given back} */
    boolean isReleased() {
        return released.get();
    }

    SharedMemoryRegionStatus status() {
        int now;
        users.lock();
        try {
            now = active;
        } finally {
            users.unlock();
        }
        return new SharedMemoryRegionStatus(name, key, offset, byteSize, lock.pageLocked(), lock.method(), now,
                requests.sum(), copiedBytes.sum());
    }

    private void endHold() {
        boolean last;
        users.lock();
        try {
            active--;
            if (active == 0) {
                unused.signalAll();
            }
            last = active == 0 && deferred;
        } finally {
            users.unlock();
        }
        if (last) {
            // close() stopped waiting for this request: the memory goes back now that it ended.
            release();
        }
    }

    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        undo(lock, arena, channel, reservation);
        onReleased.run();
    }

    /** Unlocks before unmapping ({@code cudaHostUnregister} must come first), then gives back the rest; each step runs whatever the others do. */
    private static void undo(@Nullable PageLock lock, @Nullable Arena arena, FileChannel channel,
                             MemoryBudget.@Nullable Reservation reservation) {
        if (lock != null) {
            try {
                lock.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "unlocking a shared memory region failed: " + e.getMessage(), e);
            }
        }
        if (arena != null) {
            arena.close();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing a shared memory object failed: " + e.getMessage(), e);
        }
        if (reservation != null) {
            reservation.close();
        }
    }

    private static long size(FileChannel channel, String described) {
        try {
            return channel.size();
        } catch (IOException e) {
            throw InferenceException.invalid(described + ": the size of its object could not be read: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SharedMemoryRegion[" + name + ", key " + key + ", offset " + offset + ", " + byteSize + " bytes, "
                + lock.method() + (released.get() ? ", released" : closing ? ", closing" : "") + "]";
    }
}
