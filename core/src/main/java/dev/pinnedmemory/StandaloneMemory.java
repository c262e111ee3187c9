package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Pinned memory that belongs to no pool: standalone buffers ({@link PinnedBuffer#allocate},
 * {@link PinnedMemoryHelper#allocateUnmanaged}, {@link PinnedMemoryHelper#pinAndCopy}) and pinned
 * arrays ({@link PinnedArray#of}, {@link PinnedMemoryHelper#pin(Object)}), allocated from one
 * backend selection. {@link #shared()} is the process-wide one on the default selection, which
 * {@code PinnedBuffer.allocate}, {@code PinnedArray.of} and {@link PinnedMemoryHelper#shared()} use,
 * so those leases are counted in one place and no API type needs a pool to allocate.
 *
 * <p>Ownership: what it returns belongs to the caller, who must close it; its {@link StandaloneOwner}
 * frees each when its lease ends, and counts leaks. Standalone memory is outside every budget.
 * Thread-safe.
 */
final class StandaloneMemory {

    private static final Object SHARED_LOCK = new Object();
    private static volatile @Nullable StandaloneMemory shared;

    final Allocator allocator;
    final BackendReport report;
    final LeakDetectionLevel leakDetection;
    private final StandaloneOwner owner;

    StandaloneMemory(BackendReport report, LeakDetectionLevel leakDetection, Allocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.report = Objects.requireNonNull(report, "report");
        this.leakDetection = Objects.requireNonNull(leakDetection, "leakDetection");
        this.owner = new StandaloneOwner(leakDetection, allocator);
    }

    /** Standalone memory on {@code selection}'s backend, with the shared reclaimer and the standard leak reporting. */
    static StandaloneMemory on(BackendSelection selection, LeakDetectionLevel leakDetection) {
        Objects.requireNonNull(selection, "selection");
        return new StandaloneMemory(selection.report(), leakDetection, Allocator.standard(selection.backend()));
    }

    /**
     * {@return the process-wide standalone memory on {@link PageLockingBackends#defaultSelection()}, made at first use}
     *
     * @throws dev.pinnedmemory.backend.PageLockingUnavailableException when the system properties
     *     ask for a backend or page-locking that this machine cannot give (on every call, until it can)
     * @throws IllegalArgumentException when the backend property names no backend
     */
    static StandaloneMemory shared() {
        StandaloneMemory memory = shared;
        if (memory == null) {
            synchronized (SHARED_LOCK) {
                memory = shared;
                if (memory == null) {
                    memory = on(PageLockingBackends.defaultSelection(), LeakDetector.defaultLevel());
                    shared = memory;
                }
            }
        }
        return memory;
    }

    /** {@return standalone buffers and pinned arrays from here that leaked} */
    long leaks() {
        return owner.leaks();
    }

    /**
     * {@return {@code array} pinned: a copy in pinned memory that writes back on commit, unpin and close}
     *
     * @throws NullPointerException if {@code array} is null
     * @throws IllegalArgumentException if it is not a supported primitive array
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    <A> PinnedArray<A> pin(A array) {
        PinnedArray.requireArray(array);
        ElementType<A> type = ElementType.of(array);
        int length = type.lengthOf(array);
        return new PinnedArray<>(array, type, allocate(type, length, "a pinned array"));
    }

    /**
     * {@return a new standalone buffer of {@code length} zeroed elements}
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws PinnedMemoryException if the backend refuses the memory
     */
    <A> PinnedBuffer<A> allocate(ElementType<A> type, int length) {
        Objects.requireNonNull(type, "type");
        if (length < 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
        }
        NativeBlock.Anchor anchor = allocate(type, length, "a buffer");
        return new PinnedBuffer<>(owner.leases(type), anchor, anchor.block.segment, length,
                Integer.numberOfTrailingZeros(type.byteSize()));
    }

    /** {@return a new standalone buffer holding a copy of {@code source}} */
    <A> PinnedBuffer<A> copyOf(A source) {
        PinnedArray.requireArray(source);
        ElementType<A> type = ElementType.of(source);
        PinnedBuffer<A> buffer = allocate(type, type.lengthOf(source));
        buffer.copyFrom(source);
        return buffer;
    }

    private NativeBlock.Anchor allocate(ElementType<?> type, int length, String what) {
        long bytes = (long) length * type.byteSize();
        NativeBlock.Anchor anchor = allocator.allocate(owner, bytes, false, "pinned-memory",
                what + " of " + length + " " + type + " elements (" + bytes + " bytes)");
        if (leakDetection == LeakDetectionLevel.PARANOID) {
            anchor.block.site = new Throwable("allocated here");
        }
        return anchor;
    }
}
