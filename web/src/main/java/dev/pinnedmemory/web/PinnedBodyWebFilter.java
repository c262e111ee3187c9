package dev.pinnedmemory.web;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Ends the leases of an exchange's {@code @PinnedBody} parameters when the exchange is done: after the
 * response is written, when handling fails, or when the client goes away (cancellation). Ordered first,
 * so it sees every exchange the reactive resolver does; {@link EnablePinnedBody} (and the starter) registers
 * it with the resolver.
 * Stateless; thread-safe.
 */
public final class PinnedBodyWebFilter implements WebFilter, Ordered {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ExchangeLeases leases = new ExchangeLeases();
        exchange.getAttributes().put(ExchangeLeases.ATTRIBUTE, leases);
        return chain.filter(exchange).doFinally(signal -> leases.end());
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
