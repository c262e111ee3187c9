package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.web.PinnedBodyParameterException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Turns a {@code @PinnedBody} parameter that cannot receive request bodies (its pool unknown or not unique,
 * its element type not the pool's, or no {@code PinnedBuffer}) into a start-up report naming the handler
 * method, the pools there are and the fix. Does nothing where the optional {@code pinned-memory-web} module
 * is absent. Registered in {@code META-INF/spring.factories}. Stateless; thread-safe.
 */
final class PinnedBodyFailureAnalyzer implements FailureAnalyzer, Ordered {

    private static final boolean WEB_PRESENT = ClassUtils.isPresent("dev.pinnedmemory.web.PinnedBodyParameterException",
            PinnedBodyFailureAnalyzer.class.getClassLoader());

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        if (!WEB_PRESENT) {
            return null;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PinnedBodyParameterException parameter) {
                return new FailureAnalysis(
                        "A @PinnedBody parameter cannot receive request bodies: " + parameter.getMessage() + ".",
                        "Name one of the pools " + parameter.pools() + " in @PinnedBody (empty: the only pool, or the "
                                + "one named 'default'), configure the pool under pinned-memory.pools.<name>, and "
                                + "declare the parameter as PinnedBuffer<A> (WebFlux: also Mono<PinnedBuffer<A>>) with "
                                + "the pool's element type as A.",
                        failure);
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
