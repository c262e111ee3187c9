package dev.pinnedmemory.test;

import dev.pinnedmemory.PinnedMemoryPool;

/**
 * Entry point of the AssertJ assertions on pinned memory, to import statically next to
 * {@code org.assertj.core.api.Assertions}.
 *
 * {@snippet :
 * import static dev.pinnedmemory.test.PinnedMemoryAssertions.assertThat;
 *
 * try (PinnedBuffer<byte[]> frame = pool.rent()) {
 *     encoder.encode(frame);
 * }
 * assertThat(pool).isQuiet();     // fails naming the pool, the count and, at paranoid, the rent sites
 * }
 *
 * <p>Owns no memory: the assertions only read {@link PinnedMemoryPool#stats()} and
 * {@link PinnedMemoryPool#rentSites()}. Stateless and thread-safe.
 */
public final class PinnedMemoryAssertions {

    private PinnedMemoryAssertions() {
    }

    /** {@return assertions on {@code pool}'s buffers: rented, leaked, waiting on a fence} */
    public static PoolAssert assertThat(PinnedMemoryPool<?> pool) {
        return new PoolAssert(pool);
    }
}
