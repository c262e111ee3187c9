package dev.pinnedmemory.benchmarks;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

/**
 * The backends the benchmarks allocate from, chosen once per JVM. Every benchmark but the CUDA one
 * uses {@code mlock} explicitly, so results do not depend on what {@code auto} finds and the pool
 * really page-locks. Stateless; thread-safe.
 */
final class Backends {

    private Backends() {
    }

    /**
     * {@return the {@code mlock} backend}
     *
     * @throws dev.pinnedmemory.backend.PageLockingUnavailableException naming the fix (CAP_IPC_LOCK or
     *     RLIMIT_MEMLOCK) where this machine cannot lock memory
     */
    static PageLockingBackend mlock() {
        return Mlock.BACKEND;
    }

    private static final class Mlock {
        static final PageLockingBackend BACKEND = PageLockingBackends.select(BackendKind.MLOCK, true).backend();
    }
}
