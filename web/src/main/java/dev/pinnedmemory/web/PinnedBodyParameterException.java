package dev.pinnedmemory.web;

import java.util.Set;

/**
 * A {@link PinnedBody} parameter that cannot receive a body: its pool does not exist or is not unique,
 * its element type is not the pool's, or it is no {@code PinnedBuffer}. The message names the handler
 * method, the pool and the types; {@link #pools()} lists the pools there are. Thrown at start-up (or at
 * the first request of a handler start-up did not see). Immutable.
 */
public final class PinnedBodyParameterException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final Set<String> pools;

    PinnedBodyParameterException(String message, Set<String> pools) {
        super(message);
        this.pools = Set.copyOf(pools);
    }

    /** {@return the names of the pools there are} */
    public Set<String> pools() {
        return pools;
    }
}
