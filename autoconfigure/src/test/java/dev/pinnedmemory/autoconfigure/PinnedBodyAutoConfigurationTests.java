package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.web.EnablePinnedBody;
import dev.pinnedmemory.web.PinnedBody;
import dev.pinnedmemory.web.PinnedBodyArgumentResolver;
import dev.pinnedmemory.web.PinnedBodyExceptionHandler;
import dev.pinnedmemory.web.PinnedBodyWebFilter;
import dev.pinnedmemory.web.ReactivePinnedBodyArgumentResolver;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Which web stack gets {@code @PinnedBody} (the web module's configurations, imported by the
 * auto-configuration), that a request is answered through it, that an application wiring it itself makes the
 * auto-configuration back off, and the start-up failures for a parameter whose pool is unknown, ambiguous or
 * of another element type, each naming the handler method, the pool and the types. The behaviour of
 * {@code @PinnedBody} itself is tested in the web module.
 */
class PinnedBodyAutoConfigurationTests {

    private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
            PinnedBodyWebMvcAutoConfiguration.class, PinnedBodyWebFluxAutoConfiguration.class);
    private static final String[] POOLS = {"pinned-memory.backend=unlocked", "pinned-memory.pools.frames.element-type=float",
            "pinned-memory.pools.frames.buffer-size=4KB"};

    private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
            .withConfiguration(CONFIGURATIONS).withPropertyValues(POOLS);
    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(CONFIGURATIONS).withPropertyValues(POOLS);

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebFlux
    static class WebFlux {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @EnablePinnedBody
    static class MvcWiredByTheApplication {
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
    static class WrongElementTypeController {
        @PostMapping("/ints")
        int stage(@PinnedBody("frames") PinnedBuffer<int[]> batch) {
            return batch.length();
        }
    }

    @RestController
    static class NoPoolNamedController {
        @PostMapping("/any")
        int stage(@PinnedBody PinnedBuffer<?> body) {
            return body.length();
        }
    }

    @RestController
    static class NotABufferController {
        @PostMapping("/array")
        int stage(@PinnedBody("frames") float[] batch) {
            return batch.length;
        }
    }

    @RestController
    static class ReactiveWrongElementTypeController {
        @PostMapping("/ints")
        Mono<Integer> stage(@PinnedBody("frames") Mono<PinnedBuffer<int[]>> batch) {
            return batch.map(PinnedBuffer::length);
        }
    }

    @Test
    void servletApplicationShouldGetTheResolverInItsHandlerAdapter() {
        servlet.withUserConfiguration(Mvc.class, FramesController.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(PinnedBodyArgumentResolver.class)
                    .hasSingleBean(PinnedBodyExceptionHandler.class).doesNotHaveBean(ReactivePinnedBodyArgumentResolver.class)
                    .doesNotHaveBean(PinnedBodyWebFilter.class);
            assertThat(context.getBean(RequestMappingHandlerAdapter.class).getCustomArgumentResolvers())
                    .contains(context.getBean(PinnedBodyArgumentResolver.class));
        });
    }

    @Test
    void servletRequestShouldBeReceivedAndRefusedThroughTheAutoConfiguration() {
        servlet.withUserConfiguration(Mvc.class, FramesController.class).run(context -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();

            mvc.perform(post("/frames").contentType(MediaType.APPLICATION_OCTET_STREAM).content(new byte[400]))
                    .andExpect(status().isOk()).andExpect(content().string("100"));
            mvc.perform(post("/frames").contentType(MediaType.APPLICATION_OCTET_STREAM).content(new byte[4100]))
                    .andExpect(status().is(413))
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.pool").value("frames")).andExpect(jsonPath("$.limitBytes").value(4096));
        });
    }

    @Test
    void applicationThatEnablesPinnedBodyItselfShouldMakeTheAutoConfigurationBackOff() {
        servlet.withUserConfiguration(MvcWiredByTheApplication.class, FramesController.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(PinnedBodyArgumentResolver.class)
                    .hasSingleBean(PinnedBodyExceptionHandler.class);
            assertThat(context.getBean(RequestMappingHandlerAdapter.class).getCustomArgumentResolvers())
                    .filteredOn(PinnedBodyArgumentResolver.class::isInstance).hasSize(1);
        });
    }

    @Test
    void reactiveApplicationShouldGetTheReactiveResolverAndTheFilterThatEndsLeases() {
        reactive.withUserConfiguration(WebFlux.class, FramesController.class).run(context -> assertThat(context)
                .hasNotFailed().hasSingleBean(ReactivePinnedBodyArgumentResolver.class).hasSingleBean(PinnedBodyWebFilter.class)
                .hasSingleBean(PinnedBodyExceptionHandler.class).doesNotHaveBean(PinnedBodyArgumentResolver.class));
    }

    @Test
    void applicationThatIsNotAWebApplicationShouldGetNoResolver() {
        new ApplicationContextRunner().withConfiguration(CONFIGURATIONS).withPropertyValues(POOLS).run(context -> assertThat(
                context).hasNotFailed().doesNotHaveBean(PinnedBodyArgumentResolver.class)
                .doesNotHaveBean(ReactivePinnedBodyArgumentResolver.class));
    }

    @Test
    void disabledPinnedMemoryShouldRegisterNoResolver() {
        servlet.withUserConfiguration(Mvc.class).withPropertyValues("pinned-memory.enabled=false").run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(PinnedBodyArgumentResolver.class));
    }

    @Test
    void unknownPoolShouldFailStartUpNamingTheHandlerAndThePools() {
        servlet.withUserConfiguration(Mvc.class, UnknownPoolController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(dev.pinnedmemory.web.PinnedBodyParameterException.class).hasMessage("@PinnedBody(\"nope\") parameter 'batch' of "
                    + "UnknownPoolController.stage(PinnedBuffer) names pool 'nope', which does not exist (pools: [frames]); "
                    + "configure pinned-memory.pools.nope or name one of those");
        });
    }

    @Test
    void unknownPoolFailureShouldBeAnalyzedWithTheFix() {
        servlet.withUserConfiguration(Mvc.class, UnknownPoolController.class).run(context -> {
            org.springframework.boot.diagnostics.FailureAnalysis analysis = new PinnedBodyFailureAnalyzer()
                    .analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).isEqualTo("A @PinnedBody parameter cannot receive request bodies: "
                    + "@PinnedBody(\"nope\") parameter 'batch' of UnknownPoolController.stage(PinnedBuffer) names pool "
                    + "'nope', which does not exist (pools: [frames]); configure pinned-memory.pools.nope or name one of "
                    + "those.");
            assertThat(analysis.getAction()).startsWith("Name one of the pools [frames] in @PinnedBody");
        });
    }

    @Test
    void elementTypeMismatchShouldFailStartUpNamingBothTypes() {
        servlet.withUserConfiguration(Mvc.class, WrongElementTypeController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(dev.pinnedmemory.web.PinnedBodyParameterException.class).hasMessage("@PinnedBody(\"frames\") parameter 'batch' of "
                    + "WrongElementTypeController.stage(PinnedBuffer) is a dev.pinnedmemory.PinnedBuffer<int[]>, but pool "
                    + "'frames' holds float elements (expected: PinnedBuffer<float[]>, or a pool of int[] elements)");
        });
    }

    @Test
    void emptyPoolNameWithSeveralPoolsNoneNamedDefaultShouldFailStartUp() {
        servlet.withUserConfiguration(Mvc.class, NoPoolNamedController.class)
                .withPropertyValues("pinned-memory.pools.labels.element-type=int").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).isInstanceOf(dev.pinnedmemory.web.PinnedBodyParameterException.class).hasMessageContaining(
                            "names no pool, and of the pools [frames, labels] none is the only one or named 'default'");
                });
    }

    @Test
    void emptyPoolNameWithOnePoolShouldTakeIt() {
        servlet.withUserConfiguration(Mvc.class, NoPoolNamedController.class).run(context ->
                assertThat(context).hasNotFailed());
    }

    @Test
    void parameterThatIsNotAPinnedBufferShouldFailStartUp() {
        servlet.withUserConfiguration(Mvc.class, NotABufferController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(dev.pinnedmemory.web.PinnedBodyParameterException.class).hasMessage("@PinnedBody(\"frames\") parameter 'batch' of "
                    + "NotABufferController.stage(float[]) is a float[] (expected: PinnedBuffer<A>)");
        });
    }

    @Test
    void reactiveElementTypeMismatchShouldFailStartUp() {
        reactive.withUserConfiguration(WebFlux.class, ReactiveWrongElementTypeController.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(dev.pinnedmemory.web.PinnedBodyParameterException.class).hasMessageContaining(
                    "parameter 'batch' of ReactiveWrongElementTypeController.stage(Mono) is a "
                            + "dev.pinnedmemory.PinnedBuffer<int[]>, but pool 'frames' holds float elements");
        });
    }

    @Test
    void lazyInitializationShouldStillCheckHandlersAtStartUp() {
        servlet.withUserConfiguration(Mvc.class, UnknownPoolController.class)
                .withInitializer(context -> ((org.springframework.context.support.GenericApplicationContext) context)
                        .addBeanFactoryPostProcessor(new org.springframework.boot.LazyInitializationBeanFactoryPostProcessor()))
                .run(context -> assertThat(context).hasFailed());
    }

}
