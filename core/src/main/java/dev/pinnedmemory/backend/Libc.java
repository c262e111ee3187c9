package dev.pinnedmemory.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the {@code mlock} backend needs, bound through the FFM {@link Linker} with
 * {@code errno} captured. Linux only (the constants are Linux's). Stateless; thread-safe.
 */
final class Libc {

    /** {@code EPERM}: operation not permitted (locking without the capability or limit). */
    static final int EPERM = 1;
    /** {@code EAGAIN}: resource temporarily unavailable (some pages could not be locked). */
    static final int EAGAIN = 11;
    /** {@code ENOMEM}: out of memory, or over {@code RLIMIT_MEMLOCK}. */
    static final int ENOMEM = 12;
    /** {@code EINVAL}: an invalid argument (address not aligned, length overflow). */
    static final int EINVAL = 22;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int RLIMIT_MEMLOCK = 8;
    private static final int SC_PAGESIZE = 30;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MLOCK = bind("mlock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNLOCK = bind("munlock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = bind("madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final int MADV_DONTNEED = 4;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle GETRLIMIT = bind("getrlimit",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SYSCONF = LINKER.downcallHandle(LINKER.defaultLookup().find("sysconf").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    /** {@code MPOL_BIND}: allocate only on the nodes of the mask. */
    private static final int MPOL_BIND = 2;
    /** {@code ENOSYS}: no such system call (mbind on an architecture without its number here). */
    static final int ENOSYS = 38;
    /** {@code mbind}'s system call number: glibc has no wrapper (libnuma's is not linked), so it goes through {@code syscall}. */
    private static final long SYS_MBIND = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 237;
        case "aarch64" -> 235;
        default -> -1;
    };
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    /** The result of a call: its return value and the errno it left. */
    record Result(long value, int errno) {
        boolean failed() {
            return value == -1;
        }
    }

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        SymbolLookup lookup = LINKER.defaultLookup();
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc: no symbol " + name));
        // With captureCallState the handle takes the capture segment as its first argument.
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    static long pageSize() {
        try {
            return (long) SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable t) {
            throw new IllegalStateException("sysconf(_SC_PAGESIZE) failed", t);
        }
    }

    /** {@return mmap's address, or a result with value -1 and errno} */
    static Result mmapAnonymous(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, bytes,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            return new Result(address.address(), (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result munmap(long address, long bytes) {
        return call(MUNMAP, address, bytes);
    }

    static Result mlock(long address, long bytes) {
        return call(MLOCK, address, bytes);
    }

    static Result munlock(long address, long bytes) {
        return call(MUNLOCK, address, bytes);
    }

    /** Drops the pages of a private anonymous range: later reads see fresh zero pages. */
    static Result madviseDontNeed(long address, long bytes) {
        return madvise(address, bytes, MADV_DONTNEED);
    }

    /** Asks for transparent huge pages on a range (honoured when THP is {@code always} or {@code madvise}). */
    static Result madviseHugePages(long address, long bytes) {
        return madvise(address, bytes, MADV_HUGEPAGE);
    }

    private static Result madvise(long address, long bytes, int advice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(address), bytes, advice);
            return new Result(rc, rc == 0 ? 0 : (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Binds a range to one NUMA node ({@code mbind(MPOL_BIND)}): pages touched from now on come
     * from that node only. Call it before the first touch; pages already present do not move.
     *
     * @param node a node number, at least 0 and below 1024
     */
    static Result mbindToNode(long address, long bytes, int node) {
        if (SYS_MBIND < 0) {
            return new Result(-1, ENOSYS);
        }
        int words = node / 64 + 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment mask = arena.allocate(ValueLayout.JAVA_LONG, words);
            mask.setAtIndex(ValueLayout.JAVA_LONG, node / 64, 1L << (node % 64));
            // The kernel reads maxnode - 1 bits of the mask (as libnuma passes size + 1).
            long rc = (long) SYSCALL.invokeExact(state, SYS_MBIND, address, bytes, (long) MPOL_BIND, mask,
                    (long) words * 64 + 1, 0L);
            return new Result(rc, rc == 0 ? 0 : (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@return the soft RLIMIT_MEMLOCK in bytes, {@link Sizes#UNLIMITED} for {@code RLIM_INFINITY},
     * or {@link Sizes#UNKNOWN} when {@code getrlimit} fails}
     */
    static long memlockLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment limit = arena.allocate(ValueLayout.JAVA_LONG, 2);
            int rc = (int) GETRLIMIT.invokeExact(state, RLIMIT_MEMLOCK, limit);
            if (rc != 0) {
                return Sizes.UNKNOWN;
            }
            long soft = limit.getAtIndex(ValueLayout.JAVA_LONG, 0);
            // RLIM_INFINITY is all ones: -1 as a signed long.
            return soft < 0 ? Sizes.UNLIMITED : soft;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String errorName(int errno) {
        String name = switch (errno) {
            case ENOMEM -> "ENOMEM";
            case EPERM -> "EPERM";
            case EAGAIN -> "EAGAIN";
            case EINVAL -> "EINVAL";
            case ENOSYS -> "ENOSYS";
            default -> "errno";
        };
        return name + " (errno " + errno + ": " + strerror(errno) + ")";
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "unknown";
        }
    }

    private static Result call(MethodHandle handle, long address, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) handle.invokeExact(state, MemorySegment.ofAddress(address), bytes);
            return new Result(rc, rc == 0 ? 0 : (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
