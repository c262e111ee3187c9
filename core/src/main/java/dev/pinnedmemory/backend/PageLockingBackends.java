package dev.pinnedmemory.backend;


import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Chooses a {@link PageLockingBackend}: {@code auto} tries {@code cuda}, then {@code mlock}, then
 * {@code unlocked}, recording why each was skipped; a named backend ({@code cuda-register}
 * included, which {@code auto} never picks) is used or fails with the reason. Never throws because
 * JCuda, its natives, a driver or a device are missing. {@link #placedOn} binds a backend's memory
 * to a NUMA node.
 * Stateless; thread-safe.
 */
public final class PageLockingBackends {

    /** System property choosing the default backend: {@code auto} (default), {@code cuda}, {@code mlock}, {@code unlocked}. */
    public static final String BACKEND_PROPERTY = "dev.pinnedmemory.backend";
    /** System property making the default selection fail instead of falling back to unlocked memory. */
    public static final String REQUIRE_PAGE_LOCKED_PROPERTY = "dev.pinnedmemory.requirePageLocked";

    private static final System.Logger LOG = System.getLogger(PageLockingBackends.class.getName());
    private static final Object DEFAULT_LOCK = new Object();
    private static volatile @Nullable BackendSelection defaultSelection;

    private PageLockingBackends() {
    }

    /**
     * {@return the process-wide default selection, made at first use from the system properties
     * {@value #BACKEND_PROPERTY} (default {@code auto}) and {@value #REQUIRE_PAGE_LOCKED_PROPERTY}}
     * Pools built without a backend and {@code PinnedMemoryHelper.shared()} use it.
     *
     * @throws PageLockingUnavailableException when the properties ask for a backend or page-locking
     *     that this machine cannot give (on every call, until it can)
     * @throws IllegalArgumentException when {@value #BACKEND_PROPERTY} names no backend
     */
    public static BackendSelection defaultSelection() {
        BackendSelection selection = defaultSelection;
        if (selection == null) {
            synchronized (DEFAULT_LOCK) {
                selection = defaultSelection;
                if (selection == null) {
                    // Not a holder class: a refused selection must throw its own message on every call,
                    // not a NoClassDefFoundError after the first.
                    selection = select(BackendKind.parse(System.getProperty(BACKEND_PROPERTY, "auto")),
                            Boolean.getBoolean(REQUIRE_PAGE_LOCKED_PROPERTY));
                    defaultSelection = selection;
                }
            }
        }
        return selection;
    }

    /** {@return the {@code unlocked} backend: always available, never page-locked} */
    public static PageLockingBackend unlocked() {
        return UnlockedBackend.INSTANCE;
    }

    /**
     * Chooses a backend.
     *
     * @param kind what is asked for
     * @param requirePageLocked whether ending up with {@code unlocked} is an error
     * @return the backend and the report of the choice
     * @throws PageLockingUnavailableException when the named backend cannot work here, or when
     *     page-locking is required and no page-locking backend works; the message names every
     *     reason and the fix
     */
    public static BackendSelection select(BackendKind kind, boolean requirePageLocked) {
        Map<String, String> skipped = new LinkedHashMap<>();
        CudaHost.@Nullable Probe cuda = null;
        if (kind == BackendKind.AUTO || kind == BackendKind.CUDA) {
            cuda = probeCuda();
            if (cuda.problem() == null) {
                return chosen(new CudaBackend(), kind, skipped, cuda);
            }
            skipped.put("cuda", cuda.problem());
            if (kind == BackendKind.CUDA) {
                throw unavailable(kind, skipped, "use pinned-memory.backend=auto or mlock where there is no CUDA driver or device");
            }
        }
        if (kind == BackendKind.CUDA_REGISTER) {
            cuda = probeCuda();
            String problem = cuda.problem() != null ? cuda.problem() : probeRegistration();
            if (problem == null) {
                return chosen(new CudaRegisterBackend(-1), kind, skipped, cuda);
            }
            skipped.put("cuda-register", problem);
            throw unavailable(kind, skipped, "use pinned-memory.backend=cuda, auto or mlock where the CUDA driver "
                    + "cannot register host memory");
        }
        if (kind == BackendKind.AUTO || kind == BackendKind.MLOCK) {
            String problem = probeMlock();
            if (problem == null) {
                return chosen(MlockBackend.INSTANCE, kind, skipped, cuda);
            }
            skipped.put("mlock", problem);
            if (kind == BackendKind.MLOCK) {
                throw unavailable(kind, skipped, "grant CAP_IPC_LOCK or raise RLIMIT_MEMLOCK, or use pinned-memory.backend=auto");
            }
        }
        if (requirePageLocked) {
            throw unavailable(kind, skipped, kind == BackendKind.UNLOCKED
                    ? "backend 'unlocked' never page-locks: drop pinned-memory.require-page-locked or choose auto, cuda or mlock"
                    : "grant CAP_IPC_LOCK or raise RLIMIT_MEMLOCK (ulimit -l / LimitMEMLOCK=), install a CUDA driver, "
                    + "or set pinned-memory.require-page-locked=false to accept unlocked memory");
        }
        return chosen(UnlockedBackend.INSTANCE, kind, skipped, cuda);
    }

    private static BackendSelection chosen(PageLockingBackend backend, BackendKind kind, Map<String, String> skipped,
                                           CudaHost.@Nullable Probe cuda) {
        BackendReport report = new BackendReport(backend.name(), backend.pageLocked(), kind.configName(), skipped,
                cuda == null ? -1 : cuda.deviceCount(), cuda == null ? null : cuda.deviceName());
        LOG.log(System.Logger.Level.INFO, "pinned-memory backend: {0} (requested {1})", report.summary(), kind.configName());
        return new BackendSelection(backend, report);
    }

    private static PageLockingUnavailableException unavailable(BackendKind kind, Map<String, String> skipped, String fix) {
        StringBuilder message = new StringBuilder("page-locked memory unavailable for backend '")
                .append(kind.configName()).append("'");
        skipped.forEach((backend, why) -> message.append("; ").append(backend).append(": ").append(why));
        return new PageLockingUnavailableException(message.append(". Fix: ").append(fix).toString(), Map.copyOf(skipped));
    }

    /**
     * {@return {@code backend} with its memory bound to NUMA node {@code node} ({@code mbind} with
     * {@code MPOL_BIND} before the first touch), or {@code backend} itself for {@code node < 0}}
     * {@code mlock} and {@code unlocked} keep their name and kind of memory; {@code cuda} gives way
     * to {@code cuda-register} on that node, because {@code cudaHostAlloc} places memory where the
     * driver likes (write-combined memory is then not available), after a 2 MiB registration on that
     * node has worked.
     *
     * @throws PageLockingUnavailableException when {@code backend} is {@code cuda} and the driver
     *     refuses the registration, naming the CUDA error
     * @throws IllegalArgumentException for a backend that cannot place memory (one written by users)
     */
    public static PageLockingBackend placedOn(PageLockingBackend backend, int node) {
        if (node < 0) {
            return backend;
        }
        return switch (backend) {
            case MlockBackend mlock -> mlock.onNode(node);
            case UnlockedBackend unlocked -> unlocked.onNode(node);
            case CudaBackend cuda -> {
                String problem = probeRegistration(cuda.host(), node);
                if (problem != null) {
                    throw new PageLockingUnavailableException("numa-node " + node + " with backend 'cuda' needs memory "
                            + "registered with cudaHostRegister, and the driver refused: " + problem
                            + ". Fix: set numa-node to auto or none, or use backend mlock", Map.of("cuda-register", problem));
                }
                yield new CudaRegisterBackend(cuda.host(), node);
            }
            case CudaRegisterBackend register -> new CudaRegisterBackend(register.host(), node);
            default -> throw new IllegalArgumentException("numaNode: " + node + " (backend '" + backend.name()
                    + "' cannot place memory on a NUMA node; expected one of: cuda, cuda-register, mlock, unlocked)");
        };
    }

    /**
     * {@return like {@link #placedOn}, but {@code backend} itself, unplaced, where placing it cannot
     * work here} (a refused registration for {@code cuda}, a backend that cannot place memory), with
     * a warning naming why: what {@code numa-node: auto} does.
     */
    public static PageLockingBackend placedOnIfPossible(PageLockingBackend backend, int node) {
        try {
            return placedOn(backend, node);
        } catch (PageLockingUnavailableException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "pinned-memory numa-node auto: memory of backend {0} is not bound to "
                    + "node {1}: {2}", backend.name(), node, e.getMessage());
            return backend;
        }
    }

    /** {@return the NUMA node {@code backend} binds its memory to, or -1 when it leaves placement to the kernel or driver} */
    public static int nodeOf(PageLockingBackend backend) {
        return switch (backend) {
            case MlockBackend mlock -> mlock.node();
            case UnlockedBackend unlocked -> unlocked.node();
            case CudaRegisterBackend register -> register.node();
            default -> -1;
        };
    }

    /**
     * {@return {@code task}, to be run on another thread, wrapped so that its allocations from
     * {@code backend} happen as they would on the calling thread} For {@code cuda} and
     * {@code cuda-register}: the CUDA context current on the calling thread now is made current
     * on the worker while {@code task} runs, and the worker's own context (none, for a new thread)
     * is put back after it, so a worker never makes a context of its own (on device 0, the CUDA
     * runtime's default). For other backends, and where the calling thread has no context,
     * {@code task} itself. Pool warm-ups use it for their threads.
     */
    public static Runnable withCallersContext(PageLockingBackend backend, Runnable task) {
        return switch (backend) {
            case CudaBackend cuda -> cuda.host().onCallersContext(task);
            case CudaRegisterBackend register -> register.host().onCallersContext(task);
            default -> task;
        };
    }

    /** {@return the PCI bus id of the current CUDA device, or null without JCuda, a driver or a device} */
    static @Nullable String cudaDevicePciBusId() {
        try {
            Class.forName("jcuda.runtime.JCuda", false, PageLockingBackends.class.getClassLoader());
            return CudaHost.jcuda().currentDevicePciBusId();
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    private static @Nullable String probeRegistration() {
        return probeRegistration(CudaHost.jcuda(), -1);
    }

    /** {@return null when a 2 MiB registration (on {@code node}, or anywhere for -1) works, else the refusal naming the CUDA error} */
    private static @Nullable String probeRegistration(CudaHost host, int node) {
        try (Arena arena = Arena.ofShared()) {
            new CudaRegisterBackend(host, node).allocate(AnonymousMappings.HUGE_PAGE, arena);
            return null;
        } catch (BackendException e) {
            return e.getMessage();
        } catch (LinkageError | RuntimeException e) {
            return "registration probe failed: " + e;
        }
    }

    private static CudaHost.Probe probeCuda() {
        try {
            Class.forName("jcuda.runtime.JCuda", false, PageLockingBackends.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new CudaHost.Probe(-1, null, "JCuda not on the class path");
        }
        try {
            return CudaHost.jcuda().probe();
        } catch (LinkageError e) {
            return new CudaHost.Probe(-1, null, "JCuda natives did not load: " + e.getMessage());
        } catch (RuntimeException e) {
            return new CudaHost.Probe(-1, null, "CUDA probe failed: " + e);
        }
    }

    private static @Nullable String probeMlock() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "mlock backend supports Linux only (os.name " + System.getProperty("os.name") + ")";
        }
        try {
            return MlockBackend.INSTANCE.probe();
        } catch (LinkageError | RuntimeException e) {
            return "libc binding failed: " + e;
        }
    }
}
