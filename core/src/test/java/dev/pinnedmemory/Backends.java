package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

/** The backends the tests run against: mlock (page-locked; this machine grants it) and unlocked. */
final class Backends {

    static final PageLockingBackend MLOCK = PageLockingBackends.select(BackendKind.MLOCK, true).backend();
    static final PageLockingBackend UNLOCKED = PageLockingBackends.unlocked();

    private Backends() {
    }
}
