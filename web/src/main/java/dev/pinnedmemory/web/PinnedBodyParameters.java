package dev.pinnedmemory.web;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.web.method.HandlerMethod;

/**
 * Which pool each {@link PinnedBody} parameter receives into, decided once per parameter and kept:
 * the named pool, or for an empty name the only pool or the one named {@code default}; and whether the
 * parameter's element type is the pool's. Both Spring MVC's and WebFlux's resolver use it, at start-up
 * for every handler method and again for a parameter start-up did not see. Thread-safe.
 */
final class PinnedBodyParameters {

    /** The pool named when {@link PinnedBody#value()} is empty and there are several. */
    static final String DEFAULT_POOL = "default";

    private final PinnedMemoryPools pools;
    private final Function<MethodParameter, @Nullable ResolvableType> bufferType;
    private final String expected;
    private final Map<MethodParameter, PinnedMemoryPool<?>> resolved = new ConcurrentHashMap<>();

    /**
     * @param bufferType the parameter's {@code PinnedBuffer<A>} type, unwrapped from what the stack
     *     allows around it (WebFlux: {@code Mono}); null when the parameter is no such type
     * @param expected the parameter types allowed, for messages
     */
    PinnedBodyParameters(PinnedMemoryPools pools, Function<MethodParameter, @Nullable ResolvableType> bufferType,
                         String expected) {
        this.pools = pools;
        this.bufferType = bufferType;
        this.expected = expected;
    }

    /**
     * {@return the pool of a {@code @PinnedBody} parameter}
     *
     * @throws PinnedBodyParameterException naming the handler method, the pool and the types when the pool is
     *     unknown, not unique, or of another element type, or the parameter is not a {@code PinnedBuffer}
     */
    PinnedMemoryPool<?> pool(MethodParameter parameter) {
        PinnedMemoryPool<?> pool = resolved.get(parameter);
        return pool != null ? pool : resolved.computeIfAbsent(parameter, this::resolve);
    }

    /** Resolves every {@code @PinnedBody} parameter of {@code methods}: fails on the first that cannot be. */
    void check(Collection<HandlerMethod> methods) {
        for (HandlerMethod method : methods) {
            for (MethodParameter parameter : method.getMethodParameters()) {
                if (parameter.hasParameterAnnotation(PinnedBody.class)) {
                    pool(parameter);
                }
            }
        }
    }

    private PinnedMemoryPool<?> resolve(MethodParameter parameter) {
        PinnedBody annotation = parameter.getParameterAnnotation(PinnedBody.class);
        String name = annotation != null ? annotation.value() : "";
        String where = describe(parameter, name);
        ResolvableType type = bufferType.apply(parameter);
        if (type == null || type.resolve() != PinnedBuffer.class) {
            throw new PinnedBodyParameterException(where + " is a " + ResolvableType.forMethodParameter(parameter)
                    + " (expected: " + expected + ")", pools.names());
        }
        PinnedMemoryPool<?> pool = find(name, where);
        // Raw, wildcard or an unbound type variable (a generic controller): any element type will do.
        Class<?> arrayType = type.getGeneric(0).resolve();
        if (arrayType != null && arrayType != Object.class && arrayType != pool.elementType().arrayType()) {
            throw new PinnedBodyParameterException(where + " is a " + type + ", but pool '" + pool.name() + "' holds "
                    + pool.elementType().configName() + " elements (expected: PinnedBuffer<"
                    + pool.elementType().arrayType().getSimpleName() + ">, or a pool of " + arrayType.getSimpleName()
                    + " elements)", pools.names());
        }
        return pool;
    }

    private PinnedMemoryPool<?> find(String name, String where) {
        if (!name.isEmpty()) {
            return pools.find(name).orElseThrow(() -> new PinnedBodyParameterException(where + " names pool '" + name
                    + "', which does not exist (pools: " + pools.names() + "); configure pinned-memory.pools." + name
                    + " or name one of those", pools.names()));
        }
        if (pools.names().size() == 1) {
            return pools.asMap().values().iterator().next();
        }
        return pools.find(DEFAULT_POOL).orElseThrow(() -> new PinnedBodyParameterException(where + " names no pool, and "
                + (pools.names().isEmpty() ? "there are no pinned memory pools" : "of the pools " + pools.names()
                + " none is the only one or named '" + DEFAULT_POOL + "'") + "; name one, e.g. @PinnedBody(\""
                + (pools.names().isEmpty() ? "frames" : pools.names().iterator().next()) + "\")", pools.names()));
    }

    /** {@return e.g. {@code @PinnedBody("frames") parameter 'batch' of BatchController.stage(PinnedBuffer)}} */
    static String describe(MethodParameter parameter, String name) {
        Parameter reflected = parameter.getParameter();
        String parameterName = reflected.isNamePresent() ? "'" + reflected.getName() + "'"
                : "#" + parameter.getParameterIndex();
        Method method = parameter.getMethod();
        String handler = method == null ? parameter.getExecutable().toString()
                : method.getDeclaringClass().getSimpleName() + "." + method.getName() + Arrays.stream(
                        method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
        return "@PinnedBody" + (name.isEmpty() ? "" : "(\"" + name + "\")") + " parameter " + parameterName + " of " + handler;
    }
}
