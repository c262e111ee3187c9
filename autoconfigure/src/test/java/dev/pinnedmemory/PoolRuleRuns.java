package dev.pinnedmemory;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts how often each pool's rules run: {@link PoolSettings}' package-private seam, reached from
 * the starter's tests (same package name, so the same runtime package on the class path).
 */
public final class PoolRuleRuns {

    private PoolRuleRuns() {
    }

    /** Something to run while counting. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /** {@return how many times each pool's rules ran while {@code action} ran, by pool name} */
    public static Map<String, Integer> during(Action action) throws Exception {
        Map<String, Integer> runs = new ConcurrentHashMap<>();
        PoolSettings.rulesRun = name -> runs.merge(name, 1, Integer::sum);
        try {
            action.run();
        } finally {
            PoolSettings.rulesRun = null;
        }
        return new TreeMap<>(runs);
    }
}
