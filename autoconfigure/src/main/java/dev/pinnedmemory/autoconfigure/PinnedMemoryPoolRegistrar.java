package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
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
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Binds {@code pinned-memory.*} once, validates it into {@link PinnedMemorySettings} (registered as
 * the bean {@code pinnedMemorySettings}) and registers one {@link PinnedMemoryPool} bean per pool:
 * bean {@code <name>PinnedMemoryPool}, qualifier {@code <name>}, target type
 * {@code PinnedMemoryPool<float[]>} (and so on), so it can be injected by qualifier or by generic
 * type. With no pool configured and no pool bean of the application's own, it registers the
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

    /** The name of the {@link PinnedMemorySettings} bean. */
    static final String SETTINGS_BEAN = "pinnedMemorySettings";

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
        PinnedMemoryProperties properties = bind();
        PinnedMemorySettings settings = PinnedMemorySettings.of(properties);
        if (!registry.containsBeanDefinition(SETTINGS_BEAN)) {
            RootBeanDefinition definition = new RootBeanDefinition(PinnedMemorySettings.class);
            definition.setInstanceSupplier(() -> settings);
            definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
            registry.registerBeanDefinition(SETTINGS_BEAN, definition);
        }
        if (properties.getPools().isEmpty() && hasApplicationPools(registry)) {
            return;
        }
        settings.pools().values().forEach(pool -> register(registry, pool, settings));
    }

    /** The one binding of {@code pinned-memory.*}; a value of the wrong kind for an enum is named like any other rule. */
    private PinnedMemoryProperties bind() {
        if (this.environment == null) {
            return new PinnedMemoryProperties();
        }
        try {
            return Binder.get(this.environment).bind(PinnedMemoryProperties.PREFIX, PinnedMemoryProperties.class)
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

    private void register(BeanDefinitionRegistry registry, PinnedMemorySettings.Pool pool, PinnedMemorySettings settings) {
        if (registry.containsBeanDefinition(pool.beanName())) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(pool.beanType());
        definition.setInstanceSupplier(() -> createPool(pool, settings));
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool.name()));
        definition.setDestroyMethodName("close");
        // Explicitly eager (also excluded from lazy initialization): initial buffers exist before readiness.
        definition.setLazyInit(false);
        definition.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
        registry.registerBeanDefinition(pool.beanName(), definition);
    }

    private PinnedMemoryPool<?> createPool(PinnedMemorySettings.Pool pool, PinnedMemorySettings settings) {
        BeanFactory beans = java.util.Objects.requireNonNull(this.beanFactory, "beanFactory");
        BackendSelection selection = beans.getBean(BackendSelection.class);
        MemoryBudget budget = beans.getBean(MemoryBudget.class);
        return pool.build(selection.backend(), budget, settings.leakDetection());
    }

    private static boolean hasApplicationPools(BeanDefinitionRegistry registry) {
        return registry instanceof ListableBeanFactory beans
                && beans.getBeanNamesForType(PinnedMemoryPool.class, true, false).length > 0;
    }
}
