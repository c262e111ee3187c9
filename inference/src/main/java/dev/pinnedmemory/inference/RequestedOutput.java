package dev.pinnedmemory.inference;

import java.util.Map;

/**
 * An output a request asks for, with its parameters (REST: {@code binary_data}; later extensions:
 * {@code shared_memory_region}, ...). An immutable value; thread-safe.
 *
 * @param name the output's name, one of the model's outputs
 * @param parameters the output's parameters by name
 */
public record RequestedOutput(String name, Map<String, Object> parameters) {

    public RequestedOutput {
        parameters = Map.copyOf(parameters);
    }
}
