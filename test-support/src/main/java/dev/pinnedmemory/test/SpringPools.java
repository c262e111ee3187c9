package dev.pinnedmemory.test;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * The pools of a Spring test's {@link ApplicationContext}. Loaded only when spring-test is on the
 * class path, so the rest of the extension runs without Spring. Stateless.
 */
final class SpringPools {

    private SpringPools() {
    }

    /** {@return whether the test class, or a class it is {@code @Nested} in, runs with the SpringExtension} */
    static boolean isSpringTest(ExtensionContext context) {
        for (@Nullable Class<?> type = context.getRequiredTestClass(); type != null; type = enclosingOfInner(type)) {
            for (ExtendWith extendWith : AnnotationSupport.findRepeatableAnnotations(type, ExtendWith.class)) {
                for (Class<?> extension : extendWith.value()) {
                    if (SpringExtension.class.isAssignableFrom(extension)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * {@return the pools of the test's context (loading it if need be): each {@link PinnedMemoryPools}
     * bean's, then each {@link PinnedMemoryPool} singleton's, ancestors included, each pool once}
     * Lazy or prototype pool beans are not created for the check.
     */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    static List<PinnedMemoryPool<?>> of(ExtensionContext context) {
        ApplicationContext applicationContext = SpringExtension.getApplicationContext(context);
        Set<PinnedMemoryPool<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<PinnedMemoryPool<?>> pools = new ArrayList<>();
        for (PinnedMemoryPools registry : BeanFactoryUtils.beansOfTypeIncludingAncestors(applicationContext,
                PinnedMemoryPools.class, false, false).values()) {
            for (PinnedMemoryPool<?> pool : registry.asMap().values()) {
                if (seen.add(pool)) {
                    pools.add(pool);
                }
            }
        }
        for (PinnedMemoryPool pool : BeanFactoryUtils.beansOfTypeIncludingAncestors(applicationContext,
                PinnedMemoryPool.class, false, false).values()) {
            if (seen.add(pool)) {
                pools.add(pool);
            }
        }
        return pools;
    }

    private static @Nullable Class<?> enclosingOfInner(Class<?> type) {
        return Modifier.isStatic(type.getModifiers()) ? null : type.getEnclosingClass();
    }
}
