package dev.pinnedmemory;

import java.util.concurrent.atomic.LongAdder;

/** Owner of blocks that belong to no pool (standalone buffers, pinned arrays): counts their leaks. Thread-safe. */
final class StandaloneOwner implements NativeBlock.Owner {

    private final LeakDetectionLevel level;
    private final LongAdder leaks = new LongAdder();

    StandaloneOwner(LeakDetectionLevel level) {
        this.level = level;
    }

    @Override
    public void freed(NativeBlock block) {
        // No byte accounting: standalone memory is outside every pool's budget.
    }

    @Override
    public void leaked(NativeBlock block) {
        leaks.increment();
        LeakDetector.report(level, block.description, block.site);
    }

    long leaks() {
        return leaks.sum();
    }
}
