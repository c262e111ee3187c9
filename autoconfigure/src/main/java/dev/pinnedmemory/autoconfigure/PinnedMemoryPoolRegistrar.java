package dev.pinnedmemory.autoconfigure;

import java.util.Objects;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.backend.BackendSelection;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Registers one {@link PinnedMemoryPool} bean per pool of the {@link PinnedMemorySettings} that
 * {@link PinnedMemoryBinding} bound and validated (once, also registering the
 * {@code pinnedMemorySettings} bean and the {@code pinned-memory} configuration properties bean):
 * bean {@code <name>PinnedMemoryPool}, qualifier {@code <name>}, target type
 * {@code PinnedMemoryPool<float[]>} (and so on), so it can be injected by qualifier or by generic
 * type. Each pool is built from its core {@link PoolSettings} with the backend and the budget beans.
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
final class PinnedMemoryPoolRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {

    private @Nullable Environment environment;

    private @Nullable BeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        PinnedMemoryBinding.Bound bound = PinnedMemoryBinding.of(registry, this.environment);
        if (bound.properties().getPools().isEmpty() && hasApplicationPools(registry)) {
            return;
        }
        bound.settings().pools().values().forEach(pool -> register(registry, pool));
    }

    /** {@return the bean name of pool {@code poolName}, e.g. {@code framesPinnedMemoryPool}} */
    static String beanName(String poolName) {
        return poolName + "PinnedMemoryPool";
    }

    private void register(BeanDefinitionRegistry registry, PoolSettings<?> pool) {
        String name = beanName(pool.name());
        if (registry.containsBeanDefinition(name)) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition();
        // PinnedMemoryPool<float[]> and so on, so the bean can be injected by its generic type
        definition.setTargetType(ResolvableType.forClassWithGenerics(PinnedMemoryPool.class, pool.type().arrayType()));
        definition.setInstanceSupplier(() -> createPool(pool));
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool.name()));
        definition.setDestroyMethodName("close");
        // Explicitly eager (also excluded from lazy initialization): initial buffers exist before readiness.
        definition.setLazyInit(false);
        definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
        registry.registerBeanDefinition(name, definition);
    }

    private <A> PinnedMemoryPool<A> createPool(PoolSettings<A> pool) {
        BeanFactory beans = Objects.requireNonNull(this.beanFactory, "beanFactory");
        return PinnedMemoryPool.builder(pool).backend(beans.getBean(BackendSelection.class).backend())
                .budget(beans.getBean(MemoryBudget.class)).build();
    }

    private static boolean hasApplicationPools(BeanDefinitionRegistry registry) {
        return registry instanceof ListableBeanFactory beans
                && beans.getBeanNamesForType(PinnedMemoryPool.class, true, false).length > 0;
    }
}
