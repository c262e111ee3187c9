package dev.pinnedmemory.backend;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Memory that a backend page-locked for a caller who allocated or mapped it elsewhere
 * ({@link PageLockingBackend#lock}): a file mapped by the caller, another process's shared memory.
 * {@link #close()} unlocks it ({@code munlock}, {@code cudaHostUnregister}), exactly once.
 *
 * <p>Ownership: the caller owns the memory, and must keep it mapped until the lock is closed; the
 * lock owns only the locking. Locks do not nest: two locks over the same pages end at the first
 * unlock, so lock each range once.
 *
 * <p>Thread-safe: {@link #close()} may come from any thread; the first call unlocks, later calls do nothing.
 */
public final class PageLock implements AutoCloseable {

    /** What {@link #method()} says when nothing was locked. */
    public static final String NOT_LOCKED = "none";

    private final String method;
    private final long byteSize;
    private final Runnable unlock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PageLock(String method, long byteSize, Runnable unlock) {
        this.method = method;
        this.byteSize = byteSize;
        this.unlock = unlock;
    }

    /**
     * {@return a lock made by {@code method} over {@code byteSize} bytes, which {@code unlock} ends} For
     * backends written by users; {@code unlock} runs once, on the first {@link #close()}, and throws a
     * {@link BackendException} naming the call when it fails.
     *
     * @throws IllegalArgumentException for a negative size or a method named {@value #NOT_LOCKED}
     */
    public static PageLock of(String method, long byteSize, Runnable unlock) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(unlock, "unlock");
        if (byteSize < 0) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: >= 0)");
        }
        if (method.equals(NOT_LOCKED)) {
            throw new IllegalArgumentException("method: '" + NOT_LOCKED + "' names memory that is not locked; use PageLock.none");
        }
        return new PageLock(method, byteSize, unlock);
    }

    /**
     * {@return a lock by {@code method} of the whole pages that hold {@code segment}}: {@code locker} locks
     * them and gives back what unlocks them. An empty segment locks nothing and unlocks nothing.
     *
     * @throws IllegalArgumentException for heap memory, which has no address to lock
     */
    static PageLock ofPages(String method, MemorySegment segment, long pageSize, PageLocker locker) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap memory (expected: native memory, which has an address to lock)");
        }
        if (segment.byteSize() == 0) {
            return of(method, 0, () -> { });
        }
        long start = segment.address() / pageSize * pageSize;
        long length = AnonymousMappings.roundUp(segment.address() + segment.byteSize(), pageSize) - start;
        return of(method, segment.byteSize(), locker.lock(start, length));
    }

    /** Locks a page-aligned range for {@link #ofPages}; stateless. */
    @FunctionalInterface
    interface PageLocker {

        /**
         * Locks {@code length} bytes from {@code start}, both page-aligned, and {@return what unlocks them}.
         *
         * @throws BackendException naming the call when the operating system or driver refuses; nothing stays locked
         */
        Runnable lock(long start, long length);
    }

    /** {@return a lock that locked nothing over {@code byteSize} bytes: {@link #pageLocked()} is false, closing it does nothing} */
    public static PageLock none(long byteSize) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: >= 0)");
        }
        return new PageLock(NOT_LOCKED, byteSize, () -> { });
    }

    /** {@return how the memory was locked: {@code mlock}, {@code cudaHostRegister}, or {@value #NOT_LOCKED}} */
    public String method() {
        return method;
    }

    /** {@return whether the memory is locked (until {@link #close()}): false for {@value #NOT_LOCKED}} */
    public boolean pageLocked() {
        return !method.equals(NOT_LOCKED);
    }

    /** {@return the bytes the caller asked to lock} Whole pages are locked: those that hold these bytes. */
    public long byteSize() {
        return byteSize;
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Unlocks the memory; a second call does nothing.
     *
     * @throws BackendException naming the call when the operating system or driver refuses to unlock
     *     (the lock counts as closed all the same: it is never tried twice)
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            unlock.run();
        }
    }

    @Override
    public String toString() {
        return "PageLock[" + method + ", " + Sizes.bytes(byteSize) + (closed.get() ? ", closed" : "") + "]";
    }
}
