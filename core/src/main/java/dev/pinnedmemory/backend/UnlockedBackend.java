package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * The last resort: page-aligned off-heap memory at a stable address, not locked (the OS may page
 * it out, so a GPU copy from it is staged by the driver). On Linux it is an anonymous mapping whose
 * pages go back to the OS as soon as it is freed ({@link #decommit}); elsewhere, or where libc
 * cannot be bound, the arena's own memory, given back when the arena closes. Placed on a NUMA node
 * ({@link PageLockingBackends#placedOn}), the mapping is bound to it, so pages come from that node
 * when they are first touched. Stateless; thread-safe.
 */
final class UnlockedBackend implements PageLockingBackend {

    static final UnlockedBackend INSTANCE = new UnlockedBackend(-1);
    private static final long PAGE = 4096;

    /** Whether anonymous mappings are used: Linux, with the libc calls bound. */
    private final boolean mapped = mappingsAvailable();

    /** The NUMA node the mappings are bound to, or -1. */
    private final int node;

    private UnlockedBackend(int node) {
        this.node = node;
    }

    /**
     * {@return this backend with its memory bound to NUMA node {@code node}}
     *
     * @throws IllegalArgumentException where memory is not an anonymous mapping (not Linux), so cannot be bound
     */
    UnlockedBackend onNode(int node) {
        if (!mapped) {
            throw new IllegalArgumentException("numaNode: " + node + " (backend 'unlocked' places memory on a NUMA node "
                    + "on Linux only; os.name " + System.getProperty("os.name") + ")");
        }
        return new UnlockedBackend(node);
    }

    /** {@return the NUMA node the memory is bound to, or -1} */
    int node() {
        return node;
    }

    @Override
    public String name() {
        return "unlocked";
    }

    @Override
    public boolean pageLocked() {
        return false;
    }

    @Override
    public MemorySegment allocate(long bytes, Arena arena) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (!mapped || bytes == 0) {
            try {
                return arena.allocate(bytes, PAGE);
            } catch (OutOfMemoryError e) {
                throw new BackendException("off-heap allocation of " + Sizes.bytes(bytes) + " failed: " + e.getMessage(),
                        bytes);
            }
        }
        long length = AnonymousMappings.roundUp(bytes, AnonymousMappings.PAGE_SIZE);
        long address = node >= 0 ? AnonymousMappings.mapForDevice(length, bytes, node) : AnonymousMappings.map(length, bytes);
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena,
                ignored -> AnonymousMappings.unmap(address, length, bytes, false));
    }

    /** On Linux, drops the pages at once (later reads see fresh zero pages); elsewhere nothing. */
    @Override
    public void decommit(MemorySegment segment) {
        if (mapped && segment.byteSize() > 0) {
            AnonymousMappings.drop(segment.address(), segment.byteSize(), false);
        }
    }

    /** {@return true on Linux, where {@link #decommit} gives the pages back} */
    @Override
    public boolean releasesMemoryOnDecommit() {
        return mapped;
    }

    private static boolean mappingsAvailable() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            return AnonymousMappings.PAGE_SIZE > 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
