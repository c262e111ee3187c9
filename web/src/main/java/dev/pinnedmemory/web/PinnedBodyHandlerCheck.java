package dev.pinnedmemory.web;

import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Resolves the pool of every {@code @PinnedBody} parameter of the application's handler methods once
 * all singletons exist, so that an unknown pool or a mismatched element type fails start-up rather
 * than the first request. Declared not lazy by its configurations. Thread-safe (runs once, at refresh).
 */
final class PinnedBodyHandlerCheck implements SmartInitializingSingleton {

    private final Runnable check;

    PinnedBodyHandlerCheck(Runnable check) {
        this.check = check;
    }

    @Override
    public void afterSingletonsInstantiated() {
        check.run();
    }
}
