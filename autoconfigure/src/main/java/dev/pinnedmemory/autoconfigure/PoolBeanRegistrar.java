package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
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
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * What the registrars of per-pool beans ({@link PinnedMemoryPoolRegistrar},
 * {@link PinnedArrowAllocatorRegistrar}) share: the one binding of {@code pinned-memory.*} into the
 * validated {@link PinnedMemorySettings}, and a bean for each configured pool, or for
 * {@code default} when none is configured and the application has no pool beans of its own; a bean
 * the application defined under the same name is left alone. Each definition carries its pool's
 * qualifier, is closed by the context, and is skipped by AOT
 * ({@link BeanRegistrationAotProcessor#IGNORE_REGISTRATION_ATTRIBUTE}): the registrar is part of the
 * generated context and registers it again at start-up from the run-time environment. Not
 * thread-safe; used once by the context.
 *
 * <p>The binding happens before any bean exists, because the pools to register depend on it:
 * whichever registrar runs first binds {@code pinned-memory.*} with Spring Boot's {@link Binder},
 * validates it ({@link PinnedMemorySettings#of}) and registers the bean
 * {@value #SETTINGS_BEAN}, skipped by AOT like the pools; the other finds it there. An invalid value
 * fails then, with an {@link InvalidPinnedMemoryPropertyException}, before any memory is allocated.
 * The {@link PinnedMemoryProperties} bean that {@code /actuator/configprops} lists is Spring Boot's
 * own ({@code @EnableConfigurationProperties} on {@link PinnedMemoryAutoConfiguration}), bound by
 * Boot from the same environment; it reports the configuration and changes nothing.
 */
abstract class PoolBeanRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {

    /** The name of the {@link PinnedMemorySettings} bean. */
    static final String SETTINGS_BEAN = "pinnedMemorySettings";

    /** The attribute, on the settings bean's definition, that holds what was bound. */
    private static final String BOUND = Bound.class.getName();

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

    /**
     * What was bound and what it validated into.
     *
     * @param properties the bound properties, the YAML's shape
     * @param settings the validated settings
     */
    private record Bound(PinnedMemoryProperties properties, PinnedMemorySettings settings) {
    }

    @Override
    public final void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        Bound bound = bind(registry, this.environment);
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

    /**
     * {@return the binding of {@code environment}'s {@code pinned-memory.*}: made, validated and
     * registered as the settings bean on the first call for {@code registry}, found there on later ones}
     *
     * @throws InvalidPinnedMemoryPropertyException for the first value that breaks a rule
     */
    private static Bound bind(BeanDefinitionRegistry registry, @Nullable Environment environment) {
        if (registry.containsBeanDefinition(SETTINGS_BEAN)
                && registry.getBeanDefinition(SETTINGS_BEAN).getAttribute(BOUND) instanceof Bound bound) {
            return bound;
        }
        PinnedMemoryProperties properties = properties(environment);
        Bound bound = new Bound(properties, PinnedMemorySettings.of(properties));
        if (registry.containsBeanDefinition(SETTINGS_BEAN)) {
            registry.getBeanDefinition(SETTINGS_BEAN).setAttribute(BOUND, bound);   // the application's own bean wins
        } else {
            RootBeanDefinition settings = new RootBeanDefinition(PinnedMemorySettings.class);
            settings.setInstanceSupplier(bound::settings);
            settings.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
            settings.setAttribute(BOUND, bound);
            registry.registerBeanDefinition(SETTINGS_BEAN, settings);
        }
        return bound;
    }

    /** Binds; a value of the wrong kind for an enum is named like any other rule. */
    private static PinnedMemoryProperties properties(@Nullable Environment environment) {
        if (environment == null) {
            return new PinnedMemoryProperties();
        }
        try {
            return Binder.get(environment).bind(PinnedMemoryProperties.PREFIX, PinnedMemoryProperties.class)
                    .orElseGet(PinnedMemoryProperties::new);
        } catch (BindException ex) {
            Class<?> type = ex.getTarget().getType().resolve(Object.class);
            if (type.isEnum()) {
                String allowed = Arrays.stream(type.getEnumConstants())
                        .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                        .collect(Collectors.joining(", "));
                Object value = (ex.getProperty() != null) ? ex.getProperty().getValue() : null;
                throw new InvalidPinnedMemoryPropertyException(ex.getName().toString(), "must be one of " + allowed,
                        "'" + value + "'", "Set " + ex.getName() + " to one of: " + allowed + ".");
            }
            throw ex;
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
