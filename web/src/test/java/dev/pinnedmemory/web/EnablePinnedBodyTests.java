package dev.pinnedmemory.web;

import java.util.List;
import java.util.Set;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.backend.PageLockingBackends;
import dev.pinnedmemory.web.EnablePinnedBody.WebStack;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockServletContext;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link EnablePinnedBody} in plain Spring contexts, no Spring Boot: which stack it wires (the class path's, or
 * the ones it names), what each gets, and the start-up failures of a handler parameter it cannot serve, also
 * with every bean lazy.
 */
class EnablePinnedBodyTests {

    @Configuration(proxyBeanMethods = false)
    static class Pools {

        @Bean
        PinnedMemoryPool<float[]> frames() {
            return PinnedMemoryPool.builder(ElementType.FLOAT).name("frames").bufferSize(1024)
                    .backend(PageLockingBackends.unlocked()).build();
        }

        @Bean
        PinnedMemoryPools pinnedMemoryPools(List<PinnedMemoryPool<?>> pools) {
            return new PinnedMemoryPools(pools);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @EnablePinnedBody
    static class Mvc {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebFlux
    @EnablePinnedBody
    static class WebFlux {
    }

    @Configuration(proxyBeanMethods = false)
    @EnablePinnedBody(stacks = WebStack.WEBFLUX)
    static class NamedWebFlux {
    }

    @Configuration(proxyBeanMethods = false)
    @EnablePinnedBody(stacks = {WebStack.WEBMVC, WebStack.WEBFLUX})
    static class BothStacks {
    }

    @RestController
    static class FramesController {
        @PostMapping("/frames")
        int stage(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            return batch.length();
        }
    }

    @RestController
    static class UnknownPoolController {
        @PostMapping("/nope")
        int stage(@PinnedBody("nope") PinnedBuffer<float[]> batch) {
            return batch.length();
        }
    }

    @RestController
    static class ReactiveWrongElementTypeController {
        @PostMapping("/ints")
        Mono<Integer> stage(@PinnedBody("frames") Mono<PinnedBuffer<int[]>> batch) {
            return batch.map(PinnedBuffer::length);
        }
    }

    private static AnnotationConfigWebApplicationContext servlet(Class<?>... configurations) {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.setServletContext(new MockServletContext());
        context.register(configurations);
        return context;
    }

    @Test
    void servletApplicationShouldGetTheResolverInItsHandlerAdapterAndNothingReactive() {
        // Both stacks are on this module's test class path: Spring MVC is the one deduced, as Spring Boot deduces it.
        try (AnnotationConfigWebApplicationContext context = servlet(Pools.class, Mvc.class, FramesController.class)) {
            context.refresh();

            PinnedBodyArgumentResolver resolver = context.getBean(PinnedBodyArgumentResolver.class);
            assertThat(context.getBean(RequestMappingHandlerAdapter.class).getCustomArgumentResolvers()).contains(resolver);
            assertThat(context.getBeansOfType(PinnedBodyExceptionHandler.class)).hasSize(1);
            assertThat(context.getBeansOfType(ReactivePinnedBodyArgumentResolver.class)).isEmpty();
            assertThat(context.getBeansOfType(WebFilter.class)).isEmpty();
        }
    }

    @Test
    void reactiveApplicationShouldGetTheReactiveResolverAndTheFilterThatEndsLeases() {
        // Spring MVC is on this class path too: the @EnableWebFlux beside the annotation decides.
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(Pools.class,
                WebFlux.class, FramesController.class)) {
            assertThat(context.getBeansOfType(ReactivePinnedBodyArgumentResolver.class)).hasSize(1);
            assertThat(context.getBeansOfType(WebFilter.class).values()).singleElement()
                    .isInstanceOf(PinnedBodyWebFilter.class);
            assertThat(context.getBeansOfType(PinnedBodyExceptionHandler.class)).hasSize(1);
            assertThat(context.getBeansOfType(PinnedBodyArgumentResolver.class)).isEmpty();
        }
    }

    @Test
    void bothStacksNamedShouldBeWiredSideBySideWithoutBeanNameClashes() {
        AnnotationConfigWebApplicationContext context = servlet(Pools.class, BothStacks.class);
        context.setAllowBeanDefinitionOverriding(false);
        try (context) {
            context.refresh();

            assertThat(context.getBeansOfType(PinnedBodyArgumentResolver.class)).hasSize(1);
            assertThat(context.getBeansOfType(ReactivePinnedBodyArgumentResolver.class)).hasSize(1);
            assertThat(context.getBeansOfType(PinnedBodyWebFilter.class)).hasSize(1);
        }
    }

    @Test
    void unknownPoolShouldFailStartUpNamingTheHandlerAndThePools() {
        try (AnnotationConfigWebApplicationContext context = servlet(Pools.class, Mvc.class, UnknownPoolController.class)) {
            assertThatThrownBy(context::refresh).isInstanceOf(PinnedBodyParameterException.class).hasMessage(
                    "@PinnedBody(\"nope\") parameter 'batch' of UnknownPoolController.stage(PinnedBuffer) names pool "
                            + "'nope', which does not exist (pools: [frames]); configure pinned-memory.pools.nope or "
                            + "name one of those");
        }
    }

    @Test
    void reactiveElementTypeMismatchShouldFailStartUp() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(Pools.class, WebFlux.class, ReactiveWrongElementTypeController.class);
            assertThatThrownBy(context::refresh).isInstanceOf(PinnedBodyParameterException.class).hasMessageContaining(
                    "parameter 'batch' of ReactiveWrongElementTypeController.stage(Mono) is a "
                            + "dev.pinnedmemory.PinnedBuffer<int[]>, but pool 'frames' holds float elements");
        }
    }

    @Test
    void everyBeanLazyByDefaultShouldStillCheckHandlersAtStartUp() {
        try (AnnotationConfigWebApplicationContext context = servlet(Pools.class, Mvc.class, UnknownPoolController.class)) {
            context.addBeanFactoryPostProcessor(everyBeanLazy());
            assertThatThrownBy(context::refresh).isInstanceOf(PinnedBodyParameterException.class);
        }
    }

    @Test
    void applicationWithoutPoolsShouldFailStartUpNamingWhatIsMissing() {
        try (AnnotationConfigWebApplicationContext context = servlet(Mvc.class, FramesController.class)) {
            assertThatThrownBy(context::refresh).hasMessageContaining(PinnedMemoryPools.class.getName());
        }
    }

    @Test
    void namedStackShouldBeWiredWhateverElseIsEnabled() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(Pools.class,
                NamedWebFlux.class, FramesController.class)) {
            assertThat(context.getBeansOfType(ReactivePinnedBodyArgumentResolver.class)).hasSize(1);
            assertThat(context.getBeansOfType(PinnedBodyArgumentResolver.class)).isEmpty();
        }
    }

    @Test
    void stackEnabledBesideShouldWinOverTheClassPathButNotOverANamedOne() {
        assertThat(selector().stacks(new WebStack[0], Set.of(WebStack.WEBFLUX))).containsExactly(WebStack.WEBFLUX);
        assertThat(selector().stacks(new WebStack[0], Set.of(WebStack.WEBMVC, WebStack.WEBFLUX)))
                .containsExactly(WebStack.WEBMVC);
        assertThat(selector().stacks(new WebStack[] {WebStack.WEBMVC}, Set.of(WebStack.WEBFLUX)))
                .containsExactly(WebStack.WEBMVC);
    }

    @Test
    void classPathWithOnlyWebFluxShouldBeServedAsWebFlux() {
        assertThat(selector("org.springframework.web.servlet.").stacks(new WebStack[0], Set.of())).containsExactly(WebStack.WEBFLUX);
        assertThat(selector("jakarta.servlet.").stacks(new WebStack[0], Set.of())).containsExactly(WebStack.WEBFLUX);
        assertThat(selector().stacks(new WebStack[0], Set.of())).containsExactly(WebStack.WEBMVC);
    }

    @Test
    void classPathWithNeitherStackShouldFailNamingBoth() {
        assertThatThrownBy(() -> selector("org.springframework.web.servlet.", "reactor.").stacks(new WebStack[0], Set.of()))
                .isInstanceOf(IllegalStateException.class).hasMessage("@EnablePinnedBody found no web stack on the class "
                        + "path: it needs Spring MVC (org.springframework.web.servlet.DispatcherServlet and "
                        + "jakarta.servlet.ServletInputStream) or Spring WebFlux (org.springframework.web.reactive."
                        + "DispatcherHandler and reactor.core.publisher.Mono)");
    }

    @Test
    void namedStackWhoseClassesAreMissingShouldFailNamingThem() {
        assertThatThrownBy(() -> selector("reactor.").stacks(new WebStack[] {WebStack.WEBFLUX}, Set.of()))
                .isInstanceOf(IllegalStateException.class).hasMessage("@EnablePinnedBody(stacks = WEBFLUX) needs Spring "
                        + "WebFlux on the class path, but reactor.core.publisher.Mono is missing");
        assertThat(selector("reactor.").stacks(new WebStack[] {WebStack.WEBMVC, WebStack.WEBMVC}, Set.of()))
                .containsExactly(WebStack.WEBMVC);
    }

    private static PinnedBodyConfigurationSelector selector(String... hiddenPackages) {
        PinnedBodyConfigurationSelector selector = new PinnedBodyConfigurationSelector();
        selector.setBeanClassLoader(new HidingClassLoader(Set.of(hiddenPackages)));
        return selector;
    }

    private static BeanFactoryPostProcessor everyBeanLazy() {
        return (ConfigurableListableBeanFactory beanFactory) -> {
            for (String name : beanFactory.getBeanDefinitionNames()) {
                var definition = beanFactory.getBeanDefinition(name);
                if (definition instanceof org.springframework.beans.factory.support.AbstractBeanDefinition bean
                        && bean.getLazyInit() == null) {
                    bean.setLazyInit(true);   // what Spring Boot's lazy initialization does
                }
            }
        };
    }

    /** A class loader to whom the classes of some packages do not exist. */
    private static final class HidingClassLoader extends ClassLoader {

        private final Set<String> hidden;

        HidingClassLoader(Set<String> hidden) {
            super(EnablePinnedBodyTests.class.getClassLoader());
            this.hidden = hidden;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (hidden.stream().anyMatch(name::startsWith)) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }
    }
}
