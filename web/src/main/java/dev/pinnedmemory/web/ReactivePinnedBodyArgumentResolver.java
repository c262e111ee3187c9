package dev.pinnedmemory.web;

import java.util.Collection;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;

/**
 * WebFlux's resolver of {@link PinnedBody} parameters, {@code PinnedBuffer<A>} or
 * {@code Mono<PinnedBuffer<A>>}: joins the request body into a lease with
 * {@link PinnedDataBuffers#join} and hands the lease to the exchange, which ends it when it is done
 * (completed, failed or cancelled) unless the handler ended it first; that needs
 * {@link PinnedBodyWebFilter}, which {@link EnablePinnedBody} (and the starter) registers with this resolver,
 * added through {@code WebFluxConfigurer.configureArgumentResolvers}. A {@code Mono} parameter reads the body when the
 * handler subscribes to it (once). Thread-safe.
 */
public final class ReactivePinnedBodyArgumentResolver implements HandlerMethodArgumentResolver {

    private final PinnedBodyParameters parameters;

    /** @param pools the pools that {@code @PinnedBody} names */
    public ReactivePinnedBodyArgumentResolver(PinnedMemoryPools pools) {
        this.parameters = new PinnedBodyParameters(pools, ReactivePinnedBodyArgumentResolver::bufferType,
                "PinnedBuffer<A> or Mono<PinnedBuffer<A>>");
    }

    private static @Nullable ResolvableType bufferType(MethodParameter parameter) {
        ResolvableType type = ResolvableType.forMethodParameter(parameter);
        return type.resolve() == Mono.class ? type.getGeneric(0) : type;
    }

    /**
     * Resolves the pool of every {@code @PinnedBody} parameter of {@code handlerMethods} now.
     *
     * @throws PinnedBodyParameterException naming the handler method, the pool and the types for the first
     *     parameter whose pool is unknown or of another element type
     */
    public void checkHandlerMethods(Collection<HandlerMethod> handlerMethods) {
        parameters.check(handlerMethods);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.hasParameterAnnotation(PinnedBody.class);
    }

    @Override
    public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
                                        ServerWebExchange exchange) {
        PinnedMemoryPool<?> pool;
        try {
            pool = parameters.pool(parameter);
        } catch (IllegalStateException e) {
            return Mono.error(e);
        }
        ExchangeLeases leases = ExchangeLeases.of(exchange);
        if (leases == null) {
            return Mono.error(new IllegalStateException(PinnedBodyParameters.describe(parameter, pool.name())
                    + " needs " + PinnedBodyWebFilter.class.getSimpleName() + " among the web filters, which ends "
                    + "the lease with the exchange (@EnablePinnedBody and the starter register it; register it "
                    + "with this resolver)"));
        }
        Mono<? extends PinnedBuffer<?>> body = receive(pool, exchange.getRequest(), leases);
        return parameter.getParameterType() == Mono.class ? Mono.just(body) : body.cast(Object.class);
    }

    private static <A> Mono<PinnedBuffer<A>> receive(PinnedMemoryPool<A> pool, ServerHttpRequest request,
                                                     ExchangeLeases leases) {
        return PinnedDataBuffers.join(request.getBody(), pool, request.getHeaders().getContentLength()).map(leases::own);
    }
}
