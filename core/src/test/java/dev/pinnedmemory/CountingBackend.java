package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test backend over another one that counts allocations, frees ({@code decommit}) and arena
 * closes, fails on chosen calls, and notices a double free (an address freed that is not live).
 */
final class CountingBackend implements PageLockingBackend {

    private final PageLockingBackend delegate;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong frees = new AtomicLong();
    private final AtomicLong doubleFrees = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    private volatile int failOnCall = -1;
    private volatile boolean failFromThenOn;

    CountingBackend(PageLockingBackend delegate) {
        this.delegate = delegate;
    }

    /** Makes the {@code n}-th call from now (1-based) fail, and every later one if {@code sticky}. */
    CountingBackend failOnCall(int n, boolean sticky) {
        this.failOnCall = calls.get() + n;
        this.failFromThenOn = sticky;
        return this;
    }

    CountingBackend heal() {
        this.failOnCall = -1;
        return this;
    }

    @Override
    public String name() {
        return "counting-" + delegate.name();
    }

    @Override
    public boolean pageLocked() {
        return delegate.pageLocked();
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        int call = calls.incrementAndGet();
        int fail = failOnCall;
        if (fail > 0 && (call == fail || (failFromThenOn && call > fail))) {
            throw new PinnedMemoryException("mlock of " + bytes + " bytes refused: ENOMEM (injected on call " + call + ")", bytes);
        }
        MemorySegment segment = delegate.allocate(bytes, arena);
        long address = segment.address();
        live.add(address);
        allocations.incrementAndGet();
        return segment.reinterpret(arena, ignored -> reclaimed.incrementAndGet());
    }

    /** The logical free: the library calls it exactly once per block, before the arena is closed. */
    @Override
    public void decommit(MemorySegment segment) {
        frees.incrementAndGet();
        if (segment.byteSize() > 0 && !live.remove(segment.address())) {
            doubleFrees.incrementAndGet();
        }
        delegate.decommit(segment);
    }

    @Override
    public boolean releasesMemoryOnDecommit() {
        return delegate.releasesMemoryOnDecommit();
    }

    long reclaimed() {
        return reclaimed.get();
    }

    long allocations() {
        return allocations.get();
    }

    long frees() {
        return frees.get();
    }

    long doubleFrees() {
        return doubleFrees.get();
    }

    int liveBlocks() {
        return live.size();
    }
}
