package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

/** The backends the tests run against: mlock (page-locked; this machine grants it) and unlocked. */
final class Backends {

    static final BackendSelection MLOCK_SELECTION = PageLockingBackends.select(BackendKind.MLOCK, true);
    static final PageLockingBackend MLOCK = MLOCK_SELECTION.backend();
    static final PageLockingBackend UNLOCKED = PageLockingBackends.unlocked();

    private Backends() {
    }

    /** {@return a helper on {@code backend} whose memory is reclaimed by {@code reclaimer}} */
    static PinnedMemoryHelper helper(PageLockingBackend backend, Reclaimer reclaimer) {
        return new PinnedMemoryHelper(new BackendSelection(backend, MLOCK_SELECTION.report()),
                PinningStrategySelector.defaults(), LeakDetectionLevel.SIMPLE, MemoryBudget.unlimited(),
                new Allocator(backend, reclaimer, LeakReporter.STANDARD));
    }

    /** {@return a pool builder on {@code backend} whose memory is reclaimed by {@code reclaimer} and whose leaks go to {@code leaks}} */
    static <A> PinnedMemoryPool.Builder<A> pool(ElementType<A> type, PageLockingBackend backend, Reclaimer reclaimer,
                                                LeakRecorder leaks) {
        return PinnedMemoryPool.builder(type).allocator(leaks.allocator(backend, reclaimer));
    }
}
