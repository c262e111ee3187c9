package dev.pinnedmemory;

/** Owner of blocks that belong to no pool: standalone buffers and pinned arrays. Immutable; thread-safe. */
record StandaloneOwner(LeakDetectionLevel level) implements NativeBlock.Owner {

    @Override
    public void freed(NativeBlock block) {
        // No accounting: a standalone block is counted by nobody but the global leak counter.
    }

    @Override
    public void leaked(NativeBlock block) {
        LeakDetector.report(level, block.description, block.site);
    }
}
