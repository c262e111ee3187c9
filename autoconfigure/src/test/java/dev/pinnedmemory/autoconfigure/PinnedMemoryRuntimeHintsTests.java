package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.SizeClassStats;
import dev.pinnedmemory.actuate.PinnedMemoryDescriptor;
import dev.pinnedmemory.actuate.PinnedMemoryError;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/** The hints AOT processing and a native image need: property binding and the endpoint's JSON. */
class PinnedMemoryRuntimeHintsTests {

    @Test
    void theRegistrarShouldBeListedInAotFactoriesAndRegisterBindingAndSerializationHints() {
        assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
                .load(RuntimeHintsRegistrar.class)).hasAtLeastOneElementOfType(PinnedMemoryRuntimeHints.class);
        RuntimeHints hints = new RuntimeHints();
        new PinnedMemoryRuntimeHints().registerHints(hints, getClass().getClassLoader());
        for (Class<?> type : new Class<?>[] {PinnedMemoryProperties.class, PinnedMemoryProperties.Pool.class,
                PinnedMemoryProperties.Strategy.class, PoolStats.class, SizeClassStats.class,
                PinnedMemoryDescriptor.class, PinnedMemoryError.class}) {
            assertThat(RuntimeHintsPredicates.reflection().onType(type)).as(type.getName()).accepts(hints);
        }
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(PinnedMemoryProperties.Pool.class, "setMaxWait"))
                .accepts(hints);
    }
}
