package dev.pinnedmemory.web;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.pinnedmemory.web.EnablePinnedBody.WebStack;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Picks the configurations that {@link EnablePinnedBody} imports: the stacks it names; else the stack of the
 * {@code @EnableWebMvc} or {@code @EnableWebFlux} on the same class; else the one the class path serves (Spring
 * MVC first, as Spring Boot's web application type does). Stateless apart from the class loader it is given;
 * used once per import.
 */
final class PinnedBodyConfigurationSelector implements ImportSelector, BeanClassLoaderAware {

    private static final String ENABLE_WEB_MVC = "org.springframework.web.servlet.config.annotation.EnableWebMvc";
    private static final String ENABLE_WEB_FLUX = "org.springframework.web.reactive.config.EnableWebFlux";

    private @Nullable ClassLoader classLoader;

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public String[] selectImports(AnnotationMetadata metadata) {
        WebStack[] named = metadata.getAnnotations().get(EnablePinnedBody.class).getEnumArray("stacks", WebStack.class);
        EnumSet<WebStack> beside = EnumSet.noneOf(WebStack.class);
        if (metadata.isAnnotated(ENABLE_WEB_MVC)) {
            beside.add(WebStack.WEBMVC);
        }
        if (metadata.isAnnotated(ENABLE_WEB_FLUX)) {
            beside.add(WebStack.WEBFLUX);
        }
        return stacks(named, beside).stream().map(WebStack::configuration).toArray(String[]::new);
    }

    /**
     * {@return the stacks to wire: {@code named}, each checked; for none, the one stack enabled {@code beside} the
     * annotation, or the one the class path serves}
     */
    List<WebStack> stacks(WebStack[] named, Set<WebStack> beside) {
        if (named.length == 0 && beside.size() == 1) {
            named = beside.toArray(WebStack[]::new);
        }
        if (named.length > 0) {
            for (WebStack stack : named) {
                List<String> missing = missing(stack);
                if (!missing.isEmpty()) {
                    throw new IllegalStateException("@EnablePinnedBody(stacks = " + stack + ") needs "
                            + stack.displayName() + " on the class path, but " + String.join(" and ", missing)
                            + (missing.size() == 1 ? " is" : " are") + " missing");
                }
            }
            return Arrays.stream(named).distinct().toList();
        }
        for (WebStack stack : WebStack.values()) {
            if (missing(stack).isEmpty()) {
                return List.of(stack);
            }
        }
        throw new IllegalStateException("@EnablePinnedBody found no web stack on the class path: it needs Spring MVC ("
                + String.join(" and ", WebStack.WEBMVC.requiredClasses()) + ") or Spring WebFlux ("
                + String.join(" and ", WebStack.WEBFLUX.requiredClasses()) + ")");
    }

    private List<String> missing(WebStack stack) {
        return Arrays.stream(stack.requiredClasses()).filter(name -> !ClassUtils.isPresent(name, classLoader)).toList();
    }
}
