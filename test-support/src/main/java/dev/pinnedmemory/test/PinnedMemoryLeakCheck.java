package dev.pinnedmemory.test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.PoolStats;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit Jupiter extension that fails each test that leaves pinned memory behind: after the test,
 * it throws an {@link AssertionError} naming every pool that has more buffers rented than before
 * the test, or whose leak count grew during it, with the counts and, for a pool at
 * {@code PARANOID} leak detection, where each buffer still rented was rented.
 *
 * <p>On a Spring test ({@code @SpringBootTest}, {@code @SpringJUnitConfig}, ...) declare it and it
 * checks every pool of the test's {@code ApplicationContext}: those of each {@link PinnedMemoryPools}
 * bean and each {@link PinnedMemoryPool} singleton bean, ancestors included. Elsewhere register it
 * with the pools to check:
 *
 * {@snippet :
 * @SpringBootTest
 * @ExtendWith(PinnedMemoryLeakCheck.class)          // or @CheckPinnedMemoryLeaks
 * class FrameServiceTests { ... }
 *
 * class EncoderTests {
 *     static final PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096).build();
 *
 *     @RegisterExtension
 *     static final PinnedMemoryLeakCheck leakCheck = PinnedMemoryLeakCheck.forPools(pool);
 * }
 * }
 *
 * <p>What counts: a buffer rented and neither returned nor closed is "still rented"; one closed
 * with {@code closeAfter} is not, even while its fence is pending. Buffers already rented before
 * the test (by the application, or by an earlier failed test) are not blamed on it. A leak is
 * counted when the garbage collector finds the dropped buffer, which may be during a later test;
 * the still-rented check catches the same mistake deterministically. A test that hands a buffer to
 * another thread must wait for that thread to return it before it ends. Tests that run in parallel
 * on the same pools see each other's buffers: run them on one thread.
 *
 * <p>Owns no memory and returns nothing: it only reads {@link PinnedMemoryPool#stats()} and
 * {@link PinnedMemoryPool#rentSites()}. Thread-safe: an instance is immutable and keeps each test's
 * starting counts in that test's {@link ExtensionContext.Store}.
 */
public final class PinnedMemoryLeakCheck implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PinnedMemoryLeakCheck.class);

    private static final boolean SPRING_TEST_PRESENT = isPresent("org.springframework.test.context.junit.jupiter.SpringExtension")
            && isPresent("org.springframework.context.ApplicationContext");

    private final @Nullable List<PinnedMemoryPool<?>> pools;

    /** A check of the pools of the test's Spring {@code ApplicationContext}: what {@code @ExtendWith} creates. */
    public PinnedMemoryLeakCheck() {
        this.pools = null;
    }

    private PinnedMemoryLeakCheck(List<PinnedMemoryPool<?>> pools) {
        this.pools = List.copyOf(pools);
    }

    /**
     * {@return a check of exactly {@code pools}, for {@code @RegisterExtension}}
     *
     * @throws NullPointerException if a pool is null
     */
    public static PinnedMemoryLeakCheck forPools(PinnedMemoryPool<?>... pools) {
        return new PinnedMemoryLeakCheck(List.of(pools));
    }

    /** {@return a check of every pool of {@code pools}, for {@code @RegisterExtension}} */
    public static PinnedMemoryLeakCheck forPools(PinnedMemoryPools pools) {
        return new PinnedMemoryLeakCheck(new ArrayList<>(Objects.requireNonNull(pools, "pools").asMap().values()));
    }

    /**
     * Records each pool's rented buffers and leak count before the test.
     *
     * @throws ExtensionConfigurationException if this check was declared without pools on a test
     *     that is not a Spring test
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        List<Baseline> baselines = new ArrayList<>();
        for (PinnedMemoryPool<?> pool : poolsOf(context)) {
            baselines.add(Baseline.of(pool));
        }
        context.getStore(NAMESPACE).put(this, new Baselines(baselines));
    }

    /**
     * Fails the test if it left buffers rented or leaked some.
     *
     * @throws AssertionError naming each such pool, the counts and, at {@code PARANOID}, the rent sites
     */
    @Override
    public void afterEach(ExtensionContext context) {
        Baselines baselines = context.getStore(NAMESPACE).remove(this, Baselines.class);
        if (baselines == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (Baseline baseline : baselines.pools()) {
            problems.addAll(baseline.problems());
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " did not return its pinned memory:\n- "
                    + String.join("\n- ", problems));
        }
    }

    private List<PinnedMemoryPool<?>> poolsOf(ExtensionContext context) {
        if (pools != null) {
            return pools;
        }
        if (SPRING_TEST_PRESENT && SpringPools.isSpringTest(context)) {
            return SpringPools.of(context);
        }
        throw new ExtensionConfigurationException("PinnedMemoryLeakCheck has no pools to check in "
                + context.getRequiredTestClass().getName() + ": declare it on a Spring test (@SpringBootTest, "
                + "@SpringJUnitConfig) to check the pools of its ApplicationContext, or register it with the pools: "
                + "@RegisterExtension static PinnedMemoryLeakCheck leakCheck = PinnedMemoryLeakCheck.forPools(pool)");
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, PinnedMemoryLeakCheck.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private record Baselines(List<Baseline> pools) {
    }

    /** One pool as the test found it. */
    private record Baseline(PinnedMemoryPool<?> pool, int inUse, long leaks, Set<Throwable> sites) {

        static Baseline of(PinnedMemoryPool<?> pool) {
            PoolStats stats = pool.stats();
            Set<Throwable> sites = Collections.newSetFromMap(new IdentityHashMap<>());
            sites.addAll(pool.rentSites());
            return new Baseline(pool, stats.inUse(), stats.leaks(), sites);
        }

        /** What the test left behind in this pool, one line (with its rent sites) per problem. */
        List<String> problems() {
            PoolStats stats = pool.stats();
            LeakDetectionLevel level = pool.leakDetection();
            List<String> problems = new ArrayList<>(2);
            int rented = stats.inUse() - inUse;
            if (rented > 0) {
                List<Throwable> newSites = new ArrayList<>();
                for (Throwable site : pool.rentSites()) {
                    if (!sites.contains(site)) {
                        newSites.add(site);
                    }
                }
                String count = inUse > 0
                        ? rented + " more buffer(s) rented than before the test (" + stats.inUse() + " now)"
                        : rented + " buffer(s) still rented";
                problems.add("pool '" + pool.name() + "': " + count + PoolFindings.where(newSites, level, "    "));
            }
            long leaked = stats.leaks() - leaks;
            if (leaked > 0) {
                problems.add("pool '" + pool.name() + "': " + leaked + " buffer(s) leaked during the test"
                        + PoolFindings.leakDetail(level));
            }
            return problems;
        }
    }
}
