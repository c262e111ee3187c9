package dev.pinnedmemory.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.util.unit.DataSize;

/**
 * Makes the start-up warm-up explicit: once all singletons exist (during context refresh, so
 * before {@code ApplicationReadyEvent} and before readiness turns to {@code ACCEPTING_TRAFFIC}),
 * it makes sure every pool has been created, which allocates and page-locks its
 * {@code initial-size} buffers, and logs what is ready. Together with the exclusion of pools from
 * lazy initialization, traffic never meets a cold pool. It also warns, once, when the budget has no
 * room for one buffer of a pool once the others are warm ({@link PoolStarvationCheck}).
 *
 * <p>Owns no memory. Used once, on the thread that refreshes the context.
 */
final class PinnedMemoryPoolsWarmup implements SmartInitializingSingleton {

    private static final System.Logger LOG = System.getLogger(PinnedMemoryPoolsWarmup.class.getName());

    private final ObjectProvider<PinnedMemoryPools> pools;

    /** @param pools the registry, resolved only when all singletons exist */
    PinnedMemoryPoolsWarmup(ObjectProvider<PinnedMemoryPools> pools) {
        this.pools = pools;
    }

    @Override
    public void afterSingletonsInstantiated() {
        PinnedMemoryPools registry = this.pools.getIfAvailable();
        if (registry == null) {
            return;
        }
        StringJoiner ready = new StringJoiner(", ");
        registry.asMap().forEach((name, pool) -> {
            PoolStats stats = pool.stats();
            ready.add(name + ": " + stats.idle() + " idle x " + DataSize.ofBytes(stats.bufferBytes()) + " "
                    + stats.elementType().toLowerCase(Locale.ROOT)
                    + (stats.pageLocked() ? " (page-locked)" : " (NOT page-locked)"));
        });
        LOG.log(System.Logger.Level.INFO, "pinned-memory pools warm: {0}", ready);
        PoolStarvationCheck.warnings(List.copyOf(registry.asMap().values()))
                .forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
    }
}
