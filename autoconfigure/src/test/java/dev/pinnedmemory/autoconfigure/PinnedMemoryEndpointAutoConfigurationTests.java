package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.actuate.PinnedMemoryEndpoint;
import dev.pinnedmemory.actuate.PinnedMemoryEndpointWebExtension;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedMemoryEndpointAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedMemoryEndpointAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked");

    @Test
    void runWhenExposedOverWebShouldRegisterEndpointAndWebExtension() {
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=pinnedmemory").run(context -> {
            assertThat(context).hasSingleBean(PinnedMemoryEndpoint.class).hasSingleBean(PinnedMemoryEndpointWebExtension.class);
            assertThat(context.getBean(PinnedMemoryEndpoint.class).pinnedMemory().pools()).containsOnlyKeys("default");
        });
    }

    @Test
    void theEndpointShouldBeReadOnlyUnlessAccessIsUnrestricted() {
        org.springframework.boot.actuate.endpoint.annotation.Endpoint endpoint = PinnedMemoryEndpoint.class
                .getAnnotation(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class);
        assertThat(endpoint.id()).isEqualTo("pinnedmemory");
        assertThat(endpoint.defaultAccess()).isEqualTo(org.springframework.boot.actuate.endpoint.Access.READ_ONLY);
    }

    @Test
    void runWhenNotExposedShouldNotRegisterEndpoint() {
        this.runner.run(context -> assertThat(context).doesNotHaveBean(PinnedMemoryEndpoint.class)
                .doesNotHaveBean(PinnedMemoryEndpointWebExtension.class));
    }

    @Test
    void runWhenEndpointAccessIsNoneShouldNotRegisterEndpoint() {
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=pinnedmemory",
                "management.endpoint.pinnedmemory.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(PinnedMemoryEndpoint.class));
    }

    @Test
    void runWithoutActuatorShouldNotRegisterEndpointButStillThePools() {
        this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
                .withPropertyValues("management.endpoints.web.exposure.include=pinnedmemory")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PinnedMemoryEndpoint.class)
                        .hasSingleBean(PinnedMemoryPools.class).hasBean("defaultPinnedMemoryPool"));
    }

    @Test
    void runWhenPinnedMemoryDisabledShouldNotRegisterEndpoint() {
        this.runner.withPropertyValues("pinned-memory.enabled=false", "management.endpoints.web.exposure.include=pinnedmemory")
                .run(context -> assertThat(context).doesNotHaveBean(PinnedMemoryEndpoint.class));
    }

    @Test
    void runWithUserEndpointShouldKeepIt() {
        PinnedMemoryEndpoint own = new PinnedMemoryEndpoint(new PinnedMemoryPools(java.util.List.of()),
                new dev.pinnedmemory.backend.BackendReport("x", false, "x", java.util.Map.of(), -1, null));
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=pinnedmemory")
                .withBean(PinnedMemoryEndpoint.class, () -> own)
                .run(context -> assertThat(context).getBean(PinnedMemoryEndpoint.class).isSameAs(own));
    }
}
