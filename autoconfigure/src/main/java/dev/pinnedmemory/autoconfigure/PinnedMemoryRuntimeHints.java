package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.SizeClassStats;
import dev.pinnedmemory.actuate.BackendDescriptor;
import dev.pinnedmemory.actuate.BudgetDescriptor;
import dev.pinnedmemory.actuate.PeaksDescriptor;
import dev.pinnedmemory.actuate.PinnedMemoryDescriptor;
import dev.pinnedmemory.actuate.PinnedMemoryError;
import dev.pinnedmemory.actuate.PoolDescriptor;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What the starter needs at run time by reflection, for ahead-of-time processing and native
 * images: binding of {@code pinned-memory.*} into {@link PinnedMemoryProperties} (done by
 * {@link PoolBeanRegistrar} with Spring Boot's {@code Binder} at start-up, besides the
 * {@code @ConfigurationProperties} bean that Boot registers hints for itself), and JSON
 * serialization of the Actuator endpoint's responses. Registered in
 * {@code META-INF/spring/aot.factories}. Stateless; thread-safe.
 *
 * <p>Not covered, because Spring's hints cannot express them: the {@code java.lang.foreign}
 * downcalls of the {@code mlock} backend (a native image needs them registered as foreign
 * downcalls in its reachability metadata) and JCuda's JNI library.
 */
final class PinnedMemoryRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        BindableRuntimeHintsRegistrar.forTypes(PinnedMemoryProperties.class).registerHints(hints, classLoader);
        new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(), PoolStats.class,
                SizeClassStats.class, PinnedMemoryDescriptor.class, BackendDescriptor.class, BudgetDescriptor.class,
                PoolDescriptor.class, PeaksDescriptor.class, PinnedMemoryError.class,
                PinnedMemorySettings.class);
    }
}
