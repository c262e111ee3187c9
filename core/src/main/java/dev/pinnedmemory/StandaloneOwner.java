package dev.pinnedmemory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Owner of the memory that belongs to no pool (standalone buffers and pinned arrays of one helper):
 * it frees a buffer when its lease ends, or when its fence completes, and counts leaks. Standalone
 * memory is outside every budget. Thread-safe.
 */
final class StandaloneOwner implements NativeBlock.Owner {

    private static final String DESCRIPTION = "a standalone allocation";

    private final LeakDetectionLevel level;
    private final LeakReporter reporter;
    private final LongAdder leaks = new LongAdder();
    private final FencedBlocks fenced;
    private final Map<ElementType<?>, Leases<?>> leases = new ConcurrentHashMap<>();

    StandaloneOwner(LeakDetectionLevel level, Allocator allocator) {
        this.level = level;
        this.reporter = allocator.leaks;
        this.fenced = new FencedBlocks(DESCRIPTION, anchor -> {
            anchor.block.free();
            java.lang.ref.Reference.reachabilityFence(anchor);
        }, () -> false, allocator.reclaimer);
    }

    /** {@return the lease owner for standalone buffers of {@code type}} */
    @SuppressWarnings("unchecked")
    <A> PinnedBuffer.Owner<A> leases(ElementType<A> type) {
        return (PinnedBuffer.Owner<A>) leases.computeIfAbsent(type, Leases::new);
    }

    long leaks() {
        return leaks.sum();
    }

    int fenced() {
        return fenced.pending();
    }

    @Override
    public void allocated(NativeBlock block) {
        // No byte accounting: standalone memory is outside every pool's budget.
    }

    @Override
    public void freed(NativeBlock block) {
        // Nothing to give back: no budget holds standalone memory.
    }

    @Override
    public void leaked(NativeBlock block) {
        leaks.increment();
        reporter.leaked(level, block.description, block.site);
    }

    /** Standalone buffers of one element type: a lease that ends frees its memory. */
    private final class Leases<A> implements PinnedBuffer.Owner<A> {

        private final ElementType<A> type;

        Leases(ElementType<?> type) {
            @SuppressWarnings("unchecked")
            ElementType<A> typed = (ElementType<A>) type;
            this.type = typed;
        }

        @Override
        public ElementType<A> elementType() {
            return type;
        }

        @Override
        public String describe() {
            return DESCRIPTION;
        }

        @Override
        public void release(NativeBlock.Anchor anchor) {
            anchor.block.free();
            java.lang.ref.Reference.reachabilityFence(anchor);
        }

        @Override
        public void releaseAfter(NativeBlock.Anchor anchor, TransferFence fence) {
            anchor.block.transition(NativeBlock.IN_USE, NativeBlock.FENCED);
            fenced.add(anchor, fence);
            java.lang.ref.Reference.reachabilityFence(anchor);
        }
    }
}
