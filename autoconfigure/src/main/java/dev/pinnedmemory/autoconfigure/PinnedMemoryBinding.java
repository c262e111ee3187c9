package dev.pinnedmemory.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindMethod;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The one binding of {@code pinned-memory.*}, shared by the registrars that need it before any
 * bean exists ({@link PinnedMemoryPoolRegistrar}, {@link PinnedArrowAllocatorRegistrar}): whichever
 * runs first binds {@link PinnedMemoryProperties}, validates it into {@link PinnedMemorySettings}
 * and registers both as beans; the other finds them on the registry. An invalid value fails there,
 * with an {@link InvalidPinnedMemoryPropertyException}, before any memory is allocated.
 *
 * <p>The properties bean is registered the way {@code @EnableConfigurationProperties} names one
 * ({@code <prefix>-<class name>}), so {@code /actuator/configprops} lists {@code pinned-memory}
 * like any other starter's properties. It carries Spring Boot's bind-method attribute
 * {@link BindMethod#VALUE_OBJECT}, which tells the {@code ConfigurationPropertiesBindingPostProcessor}
 * that the instance is already bound (so it is not bound a second time), and both definitions are
 * skipped by AOT ({@link BeanRegistrationAotProcessor#IGNORE_REGISTRATION_ATTRIBUTE}) and registered
 * again at start-up from the run-time environment. Stateless; used during one context's refresh.
 */
final class PinnedMemoryBinding {

    /** The name of the {@link PinnedMemoryProperties} bean: {@code pinned-memory-dev.pinnedmemory.autoconfigure.PinnedMemoryProperties}. */
    static final String PROPERTIES_BEAN = PinnedMemoryProperties.PREFIX + "-" + PinnedMemoryProperties.class.getName();

    /** The name of the {@link PinnedMemorySettings} bean. */
    static final String SETTINGS_BEAN = "pinnedMemorySettings";

    /** The attribute, on the properties bean's definition, that holds what was bound. */
    private static final String BOUND = Bound.class.getName();

    /** Spring Boot's name for the bind-method attribute of a configuration properties bean definition. */
    private static final String BIND_METHOD = BindMethod.class.getName();

    private PinnedMemoryBinding() {
    }

    /**
     * What was bound and what it validated into.
     *
     * @param properties the bound properties, the YAML's shape (the configprops bean)
     * @param settings the validated settings
     */
    record Bound(PinnedMemoryProperties properties, PinnedMemorySettings settings) {
    }

    /**
     * {@return the binding of {@code environment}'s {@code pinned-memory.*}: made and registered
     * on the first call for {@code registry}, found there on later ones}
     *
     * @throws InvalidPinnedMemoryPropertyException for the first value that breaks a rule
     */
    static Bound of(BeanDefinitionRegistry registry, @Nullable Environment environment) {
        if (registry.containsBeanDefinition(PROPERTIES_BEAN)
                && registry.getBeanDefinition(PROPERTIES_BEAN).getAttribute(BOUND) instanceof Bound bound) {
            return bound;
        }
        PinnedMemoryProperties properties = bind(environment);
        Bound bound = new Bound(properties, PinnedMemorySettings.of(properties));
        BeanDefinition definition;
        if (registry.containsBeanDefinition(PROPERTIES_BEAN)) {
            definition = registry.getBeanDefinition(PROPERTIES_BEAN);   // the application's own @EnableConfigurationProperties
        } else {
            RootBeanDefinition ours = new RootBeanDefinition(PinnedMemoryProperties.class);
            ours.setInstanceSupplier(bound::properties);
            ours.setAttribute(BIND_METHOD, BindMethod.VALUE_OBJECT);
            ours.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
            registry.registerBeanDefinition(PROPERTIES_BEAN, ours);
            definition = ours;
        }
        definition.setAttribute(BOUND, bound);
        if (!registry.containsBeanDefinition(SETTINGS_BEAN)) {
            RootBeanDefinition settings = new RootBeanDefinition(PinnedMemorySettings.class);
            settings.setInstanceSupplier(bound::settings);
            settings.setAttribute(BeanRegistrationAotProcessor.IGNORE_REGISTRATION_ATTRIBUTE, true);
            registry.registerBeanDefinition(SETTINGS_BEAN, settings);
        }
        return bound;
    }

    /** Binds; a value of the wrong kind for an enum is named like any other rule. */
    private static PinnedMemoryProperties bind(@Nullable Environment environment) {
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
}
