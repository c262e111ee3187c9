package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.arrow.PinnedArrow;
import org.apache.arrow.memory.BufferAllocator;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanCreationException;
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
import org.springframework.core.env.Environment;

/**
 * Registers one Arrow {@link BufferAllocator} per configured byte pool: bean
 * {@code <name>PinnedArrowAllocator}, qualifier {@code <name>}, made by
 * {@link PinnedArrow#rootAllocator} over the pool bean {@code <name>PinnedMemoryPool}. Each depends
 * on its pool, so the context closes it (Arrow's leak check) before the pool. Pools of other element
 * types get none; a bean the application defines under the same name wins.
 *
 * <p>It reads the one binding of {@code pinned-memory.*} ({@link PinnedMemoryBinding}: made by
 * whichever of it and {@link PinnedMemoryPoolRegistrar} runs first, so their order does not matter)
 * and registers exactly the byte pools that registrar does: the configured ones, or {@code default}
 * when none is configured and the application has no pool beans of its own. Ahead of time,
 * like the pools, the definitions are skipped by AOT and registered again at start-up from the
 * run-time environment. Not thread-safe; used once by the context.
 */
final class PinnedArrowAllocatorRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware,
        BeanFactoryAware {

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

    /** {@return the allocator bean's name for pool {@code poolName}, e.g. {@code framesPinnedArrowAllocator}} */
    static String beanName(String poolName) {
        return poolName + "PinnedArrowAllocator";
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        PinnedMemoryBinding.Bound bound = PinnedMemoryBinding.of(registry, this.environment);
        Set<String> poolBeans = bound.settings().pools().keySet().stream().map(PinnedMemoryPoolRegistrar::beanName)
                .collect(Collectors.toSet());
        if (bound.properties().getPools().isEmpty() && hasApplicationPools(registry, poolBeans)) {
            return;
        }
        bound.settings().pools().values().stream().filter(pool -> pool.type() == ElementType.BYTE)
                .forEach(pool -> register(registry, pool.name()));
    }

    private void register(BeanDefinitionRegistry registry, String pool) {
        String name = beanName(pool);
        String poolBean = PinnedMemoryPoolRegistrar.beanName(pool);
        if (registry.containsBeanDefinition(name)) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(BufferAllocator.class);
        definition.setInstanceSupplier(() -> create(name, poolBean));
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool));
        definition.setDependsOn(poolBean);
        definition.setDestroyMethodName("close");
        definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
        registry.registerBeanDefinition(name, definition);
    }

    @SuppressWarnings("unchecked")
    private BufferAllocator create(String name, String poolBean) {
        BeanFactory beans = Objects.requireNonNull(this.beanFactory, "beanFactory");
        PinnedMemoryPool<?> pool = beans.getBean(poolBean, PinnedMemoryPool.class);
        if (pool.elementType() != ElementType.BYTE) {
            throw new BeanCreationException(name, "Arrow allocator '" + name + "' needs a BYTE pool, but bean '"
                    + poolBean + "' is a pool of " + pool.elementType() + " elements: define a bean '" + name
                    + "' of your own, or make '" + poolBean + "' a byte pool");
        }
        return PinnedArrow.rootAllocator((PinnedMemoryPool<byte[]>) pool);
    }

    /** Pool beans other than the ones configuration declares: the application's own, which replace {@code default}. */
    private static boolean hasApplicationPools(BeanDefinitionRegistry registry, Set<String> configured) {
        return registry instanceof ListableBeanFactory beans
                && Arrays.stream(beans.getBeanNamesForType(PinnedMemoryPool.class, true, false))
                        .anyMatch(bean -> !configured.contains(bean));
    }
}
