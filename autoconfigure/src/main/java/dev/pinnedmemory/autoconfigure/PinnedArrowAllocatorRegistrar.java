package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.arrow.PinnedArrow;
import org.apache.arrow.memory.BufferAllocator;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.ResolvableType;

/**
 * Registers one Arrow {@link BufferAllocator} per configured byte pool: bean
 * {@code <name>PinnedArrowAllocator}, qualifier {@code <name>}, made by
 * {@link PinnedArrow#rootAllocator} over the pool bean {@code <name>PinnedMemoryPool}. Each depends
 * on its pool, so the context closes it (Arrow's leak check) before the pool. Pools of other element
 * types get none; a bean the application defines under the same name wins.
 *
 * <p>It reads the one binding of {@code pinned-memory.*} ({@link PoolBeanRegistrar}: made by
 * whichever of it and {@link PinnedMemoryPoolRegistrar} runs first, so their order does not matter)
 * and registers exactly the byte pools that registrar does: the configured ones, or {@code default}
 * when none is configured and the application has no pool beans of its own. Ahead of time,
 * like the pools, the definitions are skipped by AOT and registered again at start-up from the
 * run-time environment. Not thread-safe; used once by the context.
 */
final class PinnedArrowAllocatorRegistrar extends PoolBeanRegistrar {

    /** {@return the allocator bean's name for pool {@code poolName}, e.g. {@code framesPinnedArrowAllocator}} */
    static String beanName(String poolName) {
        return poolName + "PinnedArrowAllocator";
    }

    @Override
    String beanName(PoolSettings<?> pool) {
        return beanName(pool.name());
    }

    @Override
    @Nullable RootBeanDefinition definition(PoolSettings<?> pool) {
        if (pool.type() != ElementType.BYTE) {
            return null;
        }
        String name = beanName(pool.name());
        String poolBean = PinnedMemoryPoolRegistrar.beanName(pool.name());
        RootBeanDefinition definition = definition(ResolvableType.forClass(BufferAllocator.class),
                () -> create(name, poolBean));
        definition.setDependsOn(poolBean);
        return definition;
    }

    @SuppressWarnings("unchecked")
    private BufferAllocator create(String name, String poolBean) {
        PinnedMemoryPool<?> pool = beans().getBean(poolBean, PinnedMemoryPool.class);
        if (pool.elementType() != ElementType.BYTE) {
            throw new BeanCreationException(name, "Arrow allocator '" + name + "' needs a BYTE pool, but bean '"
                    + poolBean + "' is a pool of " + pool.elementType() + " elements: define a bean '" + name
                    + "' of your own, or make '" + poolBean + "' a byte pool");
        }
        return PinnedArrow.rootAllocator((PinnedMemoryPool<byte[]>) pool);
    }
}
