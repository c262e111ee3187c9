package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolSettings;
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
 * What the registrars of per-pool beans ({@link PinnedMemoryPoolRegistrar},
 * {@link PinnedArrowAllocatorRegistrar}) share: they read the one binding of {@code pinned-memory.*}
 * ({@link PinnedMemoryBinding}), register a bean for each configured pool, or for {@code default}
 * when none is configured and the application has no pool beans of its own, and leave a bean the
 * application defined under the same name alone. Each definition carries its pool's qualifier, is
 * closed by the context, and is skipped by AOT
 * ({@link BeanRegistrationAotProcessor#IGNORE_REGISTRATION_ATTRIBUTE}): the registrar is part of the
 * generated context and registers it again at start-up from the run-time environment. Not
 * thread-safe; used once by the context.
 */
abstract class PoolBeanRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {

    private @Nullable Environment environment;

    private @Nullable BeanFactory beanFactory;

    @Override
    public final void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public final void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public final void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        PinnedMemoryBinding.Bound bound = PinnedMemoryBinding.of(registry, this.environment);
        Set<String> configured = bound.settings().pools().keySet().stream().map(PinnedMemoryPoolRegistrar::beanName)
                .collect(Collectors.toSet());
        if (bound.properties().getPools().isEmpty() && hasApplicationPools(registry, configured)) {
            return;   // the application's own pools replace the default one
        }
        for (PoolSettings<?> pool : bound.settings().pools().values()) {
            String name = beanName(pool);
            RootBeanDefinition definition = registry.containsBeanDefinition(name) ? null : definition(pool);
            if (definition != null) {
                definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool.name()));
                definition.setDestroyMethodName("close");
                definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
                registry.registerBeanDefinition(name, definition);
            }
        }
    }

    /** {@return the name of {@code pool}'s bean} */
    abstract String beanName(PoolSettings<?> pool);

    /** {@return the definition of {@code pool}'s bean (qualifier, close and AOT are added), or null for none} */
    abstract @Nullable RootBeanDefinition definition(PoolSettings<?> pool);

    /** {@return a definition of a bean of {@code type} made by {@code instance}} */
    static <T> RootBeanDefinition definition(ResolvableType type, Supplier<T> instance) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(type);
        definition.setInstanceSupplier(instance);
        return definition;
    }

    /** {@return the context's bean factory, to look up beans when an instance is made} */
    final BeanFactory beans() {
        return Objects.requireNonNull(this.beanFactory, "beanFactory");
    }

    /** Pool beans other than the ones configuration declares: the application's own. */
    private static boolean hasApplicationPools(BeanDefinitionRegistry registry, Set<String> configured) {
        return registry instanceof ListableBeanFactory beans
                && Arrays.stream(beans.getBeanNamesForType(PinnedMemoryPool.class, true, false))
                        .anyMatch(bean -> !configured.contains(bean));
    }
}
