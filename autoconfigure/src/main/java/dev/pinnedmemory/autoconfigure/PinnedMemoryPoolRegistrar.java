package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.backend.BackendSelection;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.ResolvableType;

/**
 * Registers one {@link PinnedMemoryPool} bean per pool of the {@link PinnedMemorySettings} bound
 * and validated once ({@link PoolBeanRegistrar}, also registering the {@code pinnedMemorySettings}
 * bean): bean {@code <name>PinnedMemoryPool}, qualifier {@code <name>}, target type
 * {@code PinnedMemoryPool<float[]>} (and so on), so it can be injected by qualifier or by generic
 * type. Each pool is built with its core {@link PoolSettings} as they are (their rules ran when
 * they were made) plus the backend and the budget beans.
 * With no pool configured and no pool bean of the application's own, it registers the
 * {@code default} pool. A bean the application defines under the same name wins.
 *
 * <p>Invalid configuration fails here, before any bean is created, so before any memory is
 * allocated. The pools are singletons created eagerly during refresh and closed by the context at
 * shutdown ({@code close}).
 *
 * <p>Ahead-of-time processing: the definitions registered here carry
 * {@link BeanRegistrationAotProcessor#IGNORE_REGISTRATION_ATTRIBUTE}, so AOT generates no code for
 * them; this post-processor is itself part of the generated context, runs again at start-up and
 * registers them from the run-time environment. The set of pools therefore follows the run-time
 * configuration also in AOT mode. Not thread-safe; used once by the context.
 */
final class PinnedMemoryPoolRegistrar extends PoolBeanRegistrar {

    /** {@return the bean name of pool {@code poolName}, e.g. {@code framesPinnedMemoryPool}} */
    static String beanName(String poolName) {
        return poolName + "PinnedMemoryPool";
    }

    @Override
    String beanName(PoolSettings<?> pool) {
        return beanName(pool.name());
    }

    @Override
    RootBeanDefinition definition(PoolSettings<?> pool) {
        // PinnedMemoryPool<float[]> and so on, so the bean can be injected by its generic type
        RootBeanDefinition definition = definition(
                ResolvableType.forClassWithGenerics(PinnedMemoryPool.class, pool.type().arrayType()), () -> createPool(pool));
        // Explicitly eager (also excluded from lazy initialization): initial buffers exist before readiness.
        definition.setLazyInit(false);
        return definition;
    }

    private <A> PinnedMemoryPool<A> createPool(PoolSettings<A> pool) {
        BeanFactory beans = beans();
        return PinnedMemoryPool.builder(pool).backend(beans.getBean(BackendSelection.class).backend())
                .budget(beans.getBean(MemoryBudget.class)).build();
    }
}
