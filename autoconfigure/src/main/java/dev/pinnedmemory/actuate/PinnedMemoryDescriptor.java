package dev.pinnedmemory.actuate;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pinnedmemory.PoolStats;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The response of {@code GET /actuator/pinnedmemory}. Like every response of the endpoint, an
 * {@link OperationResponseBody}: Actuator writes it with its own JSON mapper, so the application's Jackson
 * settings (naming strategy, inclusion) never change the endpoint's fields. Immutable snapshot.
 *
 * @param backend the backend the pools allocate from, and why it was chosen
 * @param pools every pool's statistics, by pool name, in configuration order
 * @param budget the budget the pools share (that of the first pool), or null when there is no pool
 */
@JsonInclude(JsonInclude.Include.ALWAYS)   // a null field is sent as null, as documented, also by Actuator's mapper
public record PinnedMemoryDescriptor(BackendDescriptor backend, Map<String, PoolStats> pools,
                                     @Nullable BudgetDescriptor budget) implements OperationResponseBody {
}
