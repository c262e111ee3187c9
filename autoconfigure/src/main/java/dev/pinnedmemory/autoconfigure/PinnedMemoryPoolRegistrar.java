package dev.pinnedmemory.autoconfigure;

import java.util.Map;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.BackendSelection;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Registers one {@link PinnedMemoryPool} bean per configured pool: bean {@code <name>PinnedMemoryPool},
 * qualifier {@code <name>}, target type {@code PinnedMemoryPool<float[]>} (and so on) so that it can
 * be injected by qualifier or by generic type. With no pool configured and no pool bean of the
 * application's own, it registers the {@code default} pool. A bean the application defines under
 * the same name wins.
 *
 * <p>The properties are bound and validated here, before any bean is created, so invalid
 * configuration fails start-up before any memory is allocated. The pools are singletons created
 * eagerly during refresh, closed by the context at shutdown ({@code close}). Not thread-safe; used
 * once by the context.
 */
final class PinnedMemoryPoolRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {

    private Environment environment;

    private BeanFactory beanFactory;

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
        PinnedMemoryProperties properties = Binder.get(this.environment)
                .bind(PinnedMemoryProperties.PREFIX, PinnedMemoryProperties.class)
                .orElseGet(PinnedMemoryProperties::new);
        Map<String, PoolSpec> pools = PinnedMemoryPropertiesValidator.validate(properties);
        if (properties.getPools().isEmpty() && hasApplicationPools(registry)) {
            return;
        }
        pools.values().forEach(pool -> register(registry, pool));
    }

    private void register(BeanDefinitionRegistry registry, PoolSpec pool) {
        if (registry.containsBeanDefinition(pool.beanName())) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setTargetType(pool.beanType());
        definition.setInstanceSupplier(() -> createPool(pool));
        definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, pool.name()));
        definition.setDestroyMethodName("close");
        // Explicitly eager (also excluded from lazy initialization): initial buffers exist before readiness.
        definition.setLazyInit(false);
        registry.registerBeanDefinition(pool.beanName(), definition);
    }

    private PinnedMemoryPool<?> createPool(PoolSpec pool) {
        BackendSelection selection = this.beanFactory.getBean(BackendSelection.class);
        MemoryBudget budget = this.beanFactory.getBean(MemoryBudget.class);
        PinnedMemoryProperties properties = this.beanFactory.getBean(PinnedMemoryProperties.class);
        return pool.build(selection.backend(), budget, PinnedMemoryPropertiesValidator.leakDetection(properties));
    }

    private static boolean hasApplicationPools(BeanDefinitionRegistry registry) {
        return registry instanceof ListableBeanFactory beans
                && beans.getBeanNamesForType(PinnedMemoryPool.class, true, false).length > 0;
    }
}
