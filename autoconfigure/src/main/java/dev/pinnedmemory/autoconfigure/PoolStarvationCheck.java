package dev.pinnedmemory.autoconfigure;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolStats;

import org.springframework.util.unit.DataSize;

/**
 * Says at start-up which pools can starve which: for every pool whose budget, once all pools on it
 * have made their {@code initial-size} buffers, has no room left for one buffer of that pool. Such a
 * pool is still served (a refused rent frees idle buffers of the other pools: {@code initial-size}
 * is a warm start, not a reservation), but it costs the other pools their warm buffers, and while
 * those are rented its renters wait or fail. Stateless; used once at start-up.
 */
final class PoolStarvationCheck {

    private PoolStarvationCheck() {
    }

    /** {@return one warning per pool that has no room for one buffer of its own after everyone's warm-up} */
    static List<String> warnings(List<PinnedMemoryPool<?>> pools) {
        Map<MemoryBudget, List<PinnedMemoryPool<?>>> byBudget = new IdentityHashMap<>();
        for (PinnedMemoryPool<?> pool : pools) {
            byBudget.computeIfAbsent(pool.budget(), budget -> new ArrayList<>()).add(pool);
        }
        List<String> warnings = new ArrayList<>();
        byBudget.forEach((budget, onBudget) -> {
            if (budget.limitBytes() > 0 && onBudget.size() > 1) {
                warnings.addAll(warnings(budget.limitBytes(), onBudget));
            }
        });
        return warnings;
    }

    private static List<String> warnings(long limit, List<PinnedMemoryPool<?>> pools) {
        long warm = 0;
        for (PinnedMemoryPool<?> pool : pools) {
            warm = saturatedAdd(warm, warmBytes(pool.stats()));
        }
        List<String> warnings = new ArrayList<>();
        for (PinnedMemoryPool<?> starved : pools) {
            long buffer = starved.stats().bufferBytes();
            if (limit - Math.min(warm, limit) >= buffer) {
                continue;
            }
            StringJoiner holders = new StringJoiner(", ");
            long othersWarm = 0;
            for (PinnedMemoryPool<?> holder : pools) {
                PoolStats stats = holder.stats();
                if (holder != starved && warmBytes(stats) > 0) {
                    othersWarm = saturatedAdd(othersWarm, warmBytes(stats));
                    holders.add("'" + holder.name() + "' " + DataSize.ofBytes(warmBytes(stats)) + " (initial-size "
                            + stats.initialSize() + " x " + DataSize.ofBytes(stats.bufferBytes()) + ")");
                }
            }
            if (othersWarm == 0) {
                continue;   // only its own warm buffers fill the budget: nobody else is to blame
            }
            warnings.add("pinned-memory: once all pools are warm, 'pinned-memory.max-total-size' ("
                    + DataSize.ofBytes(limit) + ") has no room for one " + DataSize.ofBytes(buffer) + " buffer of pool '"
                    + starved.name() + "': the initial buffers of " + holders + " can starve it. Its rents are served by "
                    + "freeing their idle buffers (initial-size is a warm start, not a reservation), and wait or fail "
                    + "while those are rented. To keep every pool warm and serve one buffer of '" + starved.name()
                    + "', raise max-total-size to at least " + DataSize.ofBytes(saturatedAdd(warm, buffer)) + ".");
        }
        return warnings;
    }

    /** At most 65536 x 2^34 bytes (validated settings): no overflow. */
    private static long warmBytes(PoolStats stats) {
        return stats.initialSize() * stats.bufferBytes();
    }

    private static long saturatedAdd(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }
}
