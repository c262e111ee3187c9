package dev.pinnedmemory.arrow;

import java.util.Objects;
import java.util.function.Supplier;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.memory.rounding.RoundingPolicy;

/**
 * Apache Arrow allocators whose memory is pinned: every buffer an allocator made here hands out is a
 * lease of a {@code PinnedMemoryPool<byte[]>}, so an {@code ArrowStreamReader},
 * {@code ArrowFileReader} or Flight client reads record batches straight into page-locked memory,
 * ready for {@code cudaMemcpyAsync} or cuDF's {@code ColumnVector.fromArrow}.
 *
 * {@snippet :
 * try (BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
 *      ArrowStreamReader reader = new ArrowStreamReader(channel, allocator)) {
 *     while (reader.loadNextBatch()) {
 *         VectorSchemaRoot batch = reader.getVectorSchemaRoot();   // its buffers are pool leases
 *     }
 * }                                                                 // every lease is back in the pool
 * }
 *
 * <p>Ownership. Arrow owns its buffers as usual (reference counts, {@code close()}); the pool owns
 * the memory. When an {@code ArrowBuf}'s last reference is released its lease is closed and the
 * memory goes back to the pool, reusable at once. Both books hold: Arrow's allocator counts the
 * bytes it handed out and its {@code close()} throws Arrow's {@code IllegalStateException} if any
 * are still held; the pool counts the same buffers in {@code inUse} until they are released (closing
 * the allocator does not take memory back from buffers still held), and frees and counts as
 * {@code leaks} those dropped without release.
 *
 * <p>Sizes and limits. A buffer is a lease of exactly the requested size, rounded up to a multiple of
 * 8 bytes (Arrow's padding) instead of Arrow's default power of two, since the pool's size classes
 * already bound the waste; configure the pool with size classes ({@code minBufferSize} /
 * {@code min-buffer-size}) so that small buffers do not each take a full-size one. A request larger
 * than the pool's largest buffer is refused with Arrow's {@code OutOfMemoryException} naming both
 * sizes (never served from elsewhere), and so is one the pool's budget refuses
 * ({@code MemoryBudgetExceededException} as its cause), after waiting up to the pool's
 * {@code maxWait}: Arrow's vectors and readers treat it as any allocator's failure.
 *
 * <p>Arrow itself needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} on JDK 17 and later, one
 * of its memory modules ({@code arrow-memory-unsafe} or {@code arrow-memory-netty}) on the class path
 * even though this allocator never uses it (Arrow builds its default configuration when its allocator
 * class loads), and uses {@code sun.misc.Unsafe} (JDK 24 and later warn once unless run with
 * {@code --sun-misc-unsafe-memory-access=allow}); this module adds none of them. Stateless; thread-safe.
 */
public final class PinnedArrow {

    private PinnedArrow() {
    }

    /**
     * {@return a new root allocator whose buffers are leases of {@code pool}} The caller owns it and
     * closes it before the pool. Its limit is unbounded; the pool's budget is the limit.
     *
     * @throws IllegalArgumentException if {@code pool} is not a pool of {@code BYTE} elements
     * @throws IllegalStateException if {@code pool} is closed, or Arrow lacks what it needs (no
     *     {@code --add-opens=java.base/java.nio=ALL-UNNAMED}, without which its IPC readers fail at the
     *     first batch; no {@code arrow-memory-unsafe} or {@code arrow-memory-netty} on the class path):
     *     the message says what to add
     */
    public static BufferAllocator rootAllocator(PinnedMemoryPool<byte[]> pool) {
        PinnedMemoryPool<byte[]> checked = checked(pool);
        return initialising(() -> new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(new PoolAllocationManagerFactory(checked))
                .roundingPolicy(roundingPolicy(checked))
                .build()));
    }

    /**
     * {@return Arrow's allocation-manager factory over {@code pool}}, to build an allocator of one's
     * own with {@code RootAllocator.configBuilder().allocationManagerFactory(...)} (a listener, a
     * limit); pair it with {@link #roundingPolicy(PinnedMemoryPool)}, since Arrow's default rounding
     * to powers of two asks the pool for up to twice the bytes.
     *
     * @throws IllegalArgumentException if {@code pool} is not a pool of {@code BYTE} elements
     * @throws IllegalStateException if {@code pool} is closed
     */
    public static AllocationManager.Factory allocationManagerFactory(PinnedMemoryPool<byte[]> pool) {
        PinnedMemoryPool<byte[]> checked = checked(pool);
        return initialising(() -> new PoolAllocationManagerFactory(checked));
    }

    /**
     * {@return the rounding policy of {@link #rootAllocator}} Sizes go up to a multiple of 8 bytes,
     * unless that would pass the pool's largest buffer while the size itself fits.
     */
    public static RoundingPolicy roundingPolicy(PinnedMemoryPool<byte[]> pool) {
        PinnedMemoryPool<byte[]> checked = checked(pool);
        return size -> {
            long rounded = (size + 7) & ~7L;
            return (rounded < size || (rounded > checked.bufferSize() && size <= checked.bufferSize())) ? size : rounded;
        };
    }

    /**
     * Runs {@code action} once Arrow's memory classes are initialised and can make NIO views of
     * native memory, so that what Arrow lacks shows here, named, and not at the first batch as a bare
     * class-initialisation error or {@code UnsupportedOperationException}.
     */
    private static <T> T initialising(Supplier<T> action) {
        try {
            MemoryUtil.directBuffer(PoolAllocationManagerFactory.EMPTY_ADDRESS, 0);
            return action.get();
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("Arrow cannot make NIO views of its buffers, which its IPC readers and "
                    + "writers need: start the JVM with --add-opens=java.base/java.nio=ALL-UNNAMED. Arrow said: "
                    + rootMessage(e), e);
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("Arrow's memory classes failed to initialise: Arrow needs "
                    + "arrow-memory-unsafe or arrow-memory-netty on the class path (it builds its own default allocator "
                    + "when loaded, even when pinned-memory supplies the memory) and the JVM option "
                    + "--add-opens=java.base/java.nio=ALL-UNNAMED. Arrow said: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getName() + ": " + cause.getMessage();
    }

    private static PinnedMemoryPool<byte[]> checked(PinnedMemoryPool<byte[]> pool) {
        Objects.requireNonNull(pool, "pool");
        if (pool.elementType() != ElementType.BYTE) {
            throw new IllegalArgumentException("Arrow buffers need a pool of BYTE elements, but pool '" + pool.name()
                    + "' holds " + pool.elementType() + " elements");
        }
        if (pool.isClosed()) {
            throw new IllegalStateException("pool '" + pool.name() + "' is closed");
        }
        return pool;
    }
}
