package dev.pinnedmemory.benchmarks.gpu;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.backend.PageLockingUnavailableException;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The page-locking backends a GPU copy can come from, those that work here and why the others do
 * not: {@code cuda} ({@code cudaHostAlloc}), {@code cuda-register} (own mapping registered with
 * {@code cudaHostRegister}) and {@code mlock} (locked by the OS only: the driver stages copies from
 * it as from pageable memory). Immutable after construction.
 */
final class WorkingBackends {

    final Map<String, PageLockingBackend> working = new LinkedHashMap<>();
    final Map<String, String> refused = new LinkedHashMap<>();

    WorkingBackends() {
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA, BackendKind.CUDA_REGISTER, BackendKind.MLOCK}) {
            try {
                working.put(kind.configName(), PageLockingBackends.select(kind, true).backend());
            } catch (PageLockingUnavailableException | LinkageError e) {
                refused.put(kind.configName(), e.getMessage());
            }
        }
    }

    @Nullable PageLockingBackend get(String name) {
        return working.get(name);
    }
}
