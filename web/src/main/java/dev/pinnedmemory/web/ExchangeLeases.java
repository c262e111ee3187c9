package dev.pinnedmemory.web;

import java.util.ArrayList;
import java.util.List;

import dev.pinnedmemory.PinnedBuffer;
import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * The leases of one WebFlux exchange's {@code @PinnedBody} parameters, ended when the exchange is done
 * ({@link PinnedBodyWebFilter}): completed, failed or cancelled. A lease handed over after that is ended
 * at once. Thread-safe.
 */
final class ExchangeLeases {

    static final String ATTRIBUTE = ExchangeLeases.class.getName();

    private final List<PinnedBuffer<?>> leases = new ArrayList<>(1);
    private boolean ended;

    /** {@return the leases of {@code exchange}, or null when {@link PinnedBodyWebFilter} did not see it} */
    static @Nullable ExchangeLeases of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    /** {@return {@code lease}, now ended with the exchange} */
    <A> PinnedBuffer<A> own(PinnedBuffer<A> lease) {
        synchronized (this) {
            if (!ended) {
                leases.add(lease);
                return lease;
            }
        }
        lease.close();
        return lease;
    }

    /** Ends every lease; those the handler closed already are left as they are. */
    void end() {
        List<PinnedBuffer<?>> owned;
        synchronized (this) {
            ended = true;
            owned = List.copyOf(leases);
            leases.clear();
        }
        owned.forEach(PinnedBuffer::close);
    }
}
