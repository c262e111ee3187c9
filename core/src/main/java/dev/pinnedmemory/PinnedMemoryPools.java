package dev.pinnedmemory;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * A set of {@link PinnedMemoryPool}s by name, keyed by {@link PinnedMemoryPool#name()}: with the
 * Spring Boot starter, the configured ones ({@code pinned-memory.pools.<name>}) and any pool beans
 * the application defines itself. The Actuator endpoint, the metrics and the health contributor
 * read the pools through it.
 *
 * <p>Ownership: the registry only refers to the pools; whoever made them (the application context)
 * owns them and closes them. Immutable after construction and thread-safe.
 *
 * {@snippet :
 * PinnedMemoryPool<float[]> frames = pools.get("frames", ElementType.FLOAT);
 * }
 */
public final class PinnedMemoryPools {

    private final Map<String, PinnedMemoryPool<?>> pools;

    /**
     * @param pools the pools, keyed by their {@link PinnedMemoryPool#name()} in iteration order
     * @throws IllegalStateException if two pools share a name
     */
    public PinnedMemoryPools(Collection<? extends PinnedMemoryPool<?>> pools) {
        Map<String, PinnedMemoryPool<?>> byName = new LinkedHashMap<>();
        for (PinnedMemoryPool<?> pool : pools) {
            if (byName.putIfAbsent(pool.name(), pool) != null) {
                throw new IllegalStateException("two PinnedMemoryPool beans are named '" + pool.name()
                        + "' (expected: unique pool names)");
            }
        }
        this.pools = Collections.unmodifiableMap(byName);
    }

    /** {@return the pool names, in configuration order} */
    public Set<String> names() {
        return this.pools.keySet();
    }

    /** {@return every pool by name, unmodifiable, in configuration order} */
    public Map<String, PinnedMemoryPool<?>> asMap() {
        return this.pools;
    }

    /** {@return the pool named {@code name}, or empty if there is none} */
    public Optional<PinnedMemoryPool<?>> find(String name) {
        return Optional.ofNullable(this.pools.get(name));
    }

    /**
     * {@return the pool named {@code name}}
     *
     * @throws NoSuchElementException naming the known pools if there is none
     */
    public PinnedMemoryPool<?> get(String name) {
        return find(name).orElseThrow(() -> new NoSuchElementException(
                "no pinned memory pool '" + name + "' (known: " + this.pools.keySet() + ")"));
    }

    /**
     * {@return the pool named {@code name}, typed by its element type}
     *
     * @throws NoSuchElementException naming the known pools if there is none
     * @throws IllegalArgumentException if the pool holds another element type
     */
    @SuppressWarnings("unchecked")
    public <A> PinnedMemoryPool<A> get(String name, ElementType<A> elementType) {
        PinnedMemoryPool<?> pool = get(name);
        if (pool.elementType() != elementType) {
            throw new IllegalArgumentException("pool '" + name + "' holds " + pool.elementType() + " elements (expected: "
                    + elementType + ")");
        }
        return (PinnedMemoryPool<A>) pool;
    }
}
