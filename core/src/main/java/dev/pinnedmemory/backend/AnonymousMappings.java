package dev.pinnedmemory.backend;

/**
 * Private anonymous memory mappings (Linux {@code mmap}), the memory of the {@code mlock} backend
 * and, on Linux, of the {@code unlocked} one: mapped in whole pages, given back page by page with
 * {@code madvise(MADV_DONTNEED)} while the address range stays mapped, unmapped last. Every return
 * code is checked; a failure throws a {@link BackendException} naming the call. Stateless; thread-safe.
 */
final class AnonymousMappings {

    static final long PAGE_SIZE = Libc.pageSize();
    /** Transparent huge pages for buffers of 2 MiB and more; {@code -Ddev.pinnedmemory.hugePages=false} turns them off. */
    static final boolean HUGE_PAGES = !"false".equalsIgnoreCase(System.getProperty("dev.pinnedmemory.hugePages"));
    static final long HUGE_PAGE = 2L << 20;

    private AnonymousMappings() {
    }

    static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    /** {@return the address of {@code length} fresh zero bytes} ({@code requested} is for the message) */
    static long map(long length, long requested) {
        Libc.Result map = Libc.mmapAnonymous(length);
        if (map.failed()) {
            throw new BackendException("mmap of " + Sizes.bytes(length) + " failed: " + Libc.errorName(map.errno()),
                    requested);
        }
        return map.value();
    }

    /**
     * {@return the address of {@code length} fresh zero bytes (a whole number of pages) for memory a
     * DMA engine will read} From 2 MiB on (and unless huge pages are turned off) the range starts on
     * a 2 MiB boundary with transparent huge pages requested: first touch and locking then fault
     * 2 MiB at a time instead of 4 KiB (measured here: 1 GiB locked in about 120 ms instead of
     * 400 ms), and a DMA engine has 512 times fewer pages to pin. It maps one huge page more than
     * needed and gives back the ends, so nothing is wasted. {@code node >= 0} binds the range to
     * that NUMA node before anything touches it.
     *
     * @throws BackendException naming {@code mmap} or {@code mbind}; nothing stays mapped
     */
    static long mapForDevice(long length, long requested, int node) {
        long start;
        if (HUGE_PAGES && length >= HUGE_PAGE) {
            long raw = map(length + HUGE_PAGE, requested);
            start = roundUp(raw, HUGE_PAGE);
            if (start > raw) {
                Libc.munmap(raw, start - raw);
            }
            long tail = raw + length + HUGE_PAGE - (start + length);
            if (tail > 0) {
                Libc.munmap(start + length, tail);
            }
            Libc.madviseHugePages(start, length);
        } else {
            start = map(length, requested);
        }
        if (node >= 0) {
            Libc.Result bind = Libc.mbindToNode(start, length, node);
            if (bind.failed()) {
                Libc.munmap(start, length);
                throw new BackendException("mbind(MPOL_BIND) of " + Sizes.bytes(length) + " to NUMA node " + node
                        + " failed: " + Libc.errorName(bind.errno()) + notAllowedHint(NumaTopology.system(), node), requested);
            }
        }
        return start;
    }

    /** {@return why the kernel refuses {@code node} where the process's cpuset excludes it, or nothing} */
    static String notAllowedHint(NumaTopology machine, int node) {
        try {
            if (machine.onlineNodes().contains(node) && !machine.allowedNodes().contains(node)) {
                return " (node " + node + " is online, but this process's cpuset allows only nodes "
                        + NumaTopology.describe(machine.allowedNodes()) + ": Mems_allowed_list in " + machine.processStatusFile() + ")";
            }
        } catch (RuntimeException e) {
            return "";
        }
        return "";
    }

    /** Unmaps a range, unlocking it first if {@code locked}: an arena's cleanup. */
    static void unmap(long address, long length, long requested, boolean locked) {
        Libc.Result unlock = locked ? Libc.munlock(address, length) : new Libc.Result(0, 0);
        Libc.Result unmap = Libc.munmap(address, length);
        if (unmap.failed()) {
            throw new BackendException("munmap of " + Sizes.bytes(length) + " failed: " + Libc.errorName(unmap.errno())
                    + (unlock.failed() ? "; munlock failed too: " + Libc.errorName(unlock.errno()) : ""), requested);
        }
    }

    /** Gives the pages of a range back (unlocking them first if {@code locked}); later reads see fresh zero pages. */
    static void drop(long address, long bytes, boolean locked) {
        long mapped = roundUp(bytes, PAGE_SIZE);
        Libc.Result unlock = locked ? Libc.munlock(address, mapped) : new Libc.Result(0, 0);
        Libc.Result drop = Libc.madviseDontNeed(address, mapped);
        if (unlock.failed() || drop.failed()) {
            throw new BackendException("decommit of " + Sizes.bytes(mapped) + " failed:"
                    + (unlock.failed() ? " munlock " + Libc.errorName(unlock.errno()) : "")
                    + (drop.failed() ? " madvise(MADV_DONTNEED) " + Libc.errorName(drop.errno()) : ""), mapped);
        }
    }
}
