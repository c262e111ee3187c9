package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/** A test backend over another one that tracks the bytes it holds (allocated, not yet decommitted) and their peak. */
final class PeakTrackingBackend implements PageLockingBackend {

    private final PageLockingBackend delegate;
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    PeakTrackingBackend(PageLockingBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "peak-" + delegate.name();
    }

    @Override
    public boolean pageLocked() {
        return delegate.pageLocked();
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        MemorySegment segment = delegate.allocate(bytes, arena);
        peak.accumulateAndGet(live.addAndGet(bytes), Math::max);
        return segment;
    }

    @Override
    public void decommit(MemorySegment segment) {
        live.addAndGet(-segment.byteSize());
        delegate.decommit(segment);
    }

    @Override
    public boolean releasesMemoryOnDecommit() {
        return delegate.releasesMemoryOnDecommit();
    }

    long liveBytes() {
        return live.get();
    }

    long peakBytes() {
        return peak.get();
    }

    void resetPeak() {
        peak.set(live.get());
    }
}
