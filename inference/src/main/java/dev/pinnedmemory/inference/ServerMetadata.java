package dev.pinnedmemory.inference;

import java.util.List;

/**
 * The protocol's server metadata ({@code GET /v2}, gRPC {@code ServerMetadata}): the server's name, its
 * version and the extensions it supports. An immutable value; thread-safe.
 *
 * @param name a descriptive name of the server
 * @param version the server's version
 * @param extensions the protocol extensions it supports, e.g. {@code binary_tensor_data}
 */
public record ServerMetadata(String name, String version, List<String> extensions) {

    public ServerMetadata {
        extensions = List.copyOf(extensions);
    }
}
