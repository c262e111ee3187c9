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
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Registers one Arrow {@link BufferAllocator} per configured byte pool: bean
 * {@code <name>PinnedArrowAllocator}, qualifier {@code <name>}, made by
 * {@link PinnedArrow#rootAllocator} over the pool bean {@code <name>PinnedMemoryPool}. Each depends
 * on its pool, so the context closes it (Arrow's leak check) before the pool. Pools of other element
 * types get none; a bean the application defines under the same name wins.
 *
 * <p>It binds {@code pinned-memory.*} itself rather than waiting for {@link PinnedMemoryPoolRegistrar}
 * (so the order of the two does not matter) and registers exactly the byte pools that registrar
 * does: the configured ones, or {@code default} when none is configured and the application has no
 * pool beans of its own. Invalid configuration is left for that registrar to report. Ahead of time,
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
        PinnedMemoryProperties properties;
        PinnedMemorySettings settings;
        try {
            properties = (this.environment == null) ? new PinnedMemoryProperties()
                    : Binder.get(this.environment).bind(PinnedMemoryProperties.PREFIX, PinnedMemoryProperties.class)
                            .orElseGet(PinnedMemoryProperties::new);
            settings = PinnedMemorySettings.of(properties);
        } catch (RuntimeException invalid) {
            return;   // PinnedMemoryPoolRegistrar fails start-up with the message that names the property
        }
        Set<String> poolBeans = settings.pools().values().stream().map(PinnedMemorySettings.Pool::beanName)
                .collect(Collectors.toSet());
        if (properties.getPools().isEmpty() && hasApplicationPools(registry, poolBeans)) {
            return;
        }
        settings.pools().values().stream().filter(pool -> pool.elementType() == ElementType.BYTE)
                .forEach(pool -> register(registry, pool));
    }

    private void register(BeanDefinitionRegistry registry, PinnedMemorySettings.Pool pool) {
        String name = beanName(pool.name());
        if (registry.containsBeanDefinition(name)) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(BufferAllocator.class);
        definition.setInstanceSupplier(() -> create(name, pool.beanName()));
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool.name()));
        definition.setDependsOn(pool.beanName());
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
