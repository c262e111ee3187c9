package dev.pinnedmemory.actuate;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.pinnedmemory.PoolStats;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The response of {@code GET} and {@code POST /actuator/pinnedmemory/{pool}}: one pool's statistics, in JSON
 * exactly the components of {@link PoolStats}. Wrapping the core's record (which knows no Spring) lets Actuator
 * serialize it with its own JSON mapper, as every response of this endpoint, whatever the application's Jackson
 * settings. Immutable snapshot.
 *
 * @param stats the pool's statistics
 */
public record PoolDescriptor(PoolStats stats) implements OperationResponseBody {

    /** {@return the pool's statistics, which are this response's JSON} */
    @Override
    @JsonValue
    public PoolStats stats() {
        return stats;
    }
}
