package dev.pinnedmemory.backend;

/**
 * Private anonymous memory mappings (Linux {@code mmap}), the memory of the {@code mlock} backend
 * and, on Linux, of the {@code unlocked} one: mapped in whole pages, given back page by page with
 * {@code madvise(MADV_DONTNEED)} while the address range stays mapped, unmapped last. Every return
 * code is checked; a failure throws a {@link BackendException} naming the call. Stateless; thread-safe.
 */
final class AnonymousMappings {

    static final long PAGE_SIZE = Libc.pageSize();

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
