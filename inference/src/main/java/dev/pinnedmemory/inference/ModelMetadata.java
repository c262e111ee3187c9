package dev.pinnedmemory.inference;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a model tells clients about itself (the protocol's model metadata): its name, the versions
 * that may be asked for explicitly, its platform (informational, e.g. {@code "pytorch_torchscript"}
 * or {@code "java"}) and its input and output tensors. Every input listed is required in a request.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param name the model's name, as in the URL {@code /v2/models/<name>}: not blank, no {@code /}
 * @param versions the versions this model serves, e.g. {@code ["1"]}; empty for a model without versions
 * @param platform the framework or backend, informational
 * @param inputs the input tensors, unique names
 * @param outputs the output tensors, unique names
 * @throws IllegalArgumentException naming the value and the rule for a blank name or version, a name
 *     with {@code /}, or duplicate versions or tensor names
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                            List<TensorMetadata> outputs) {

    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(versions, "versions");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(outputs, "outputs");
        if (name.isBlank() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("model name: '" + name + "' (expected: not blank, without '/', as it is "
                    + "a segment of /v2/models/<name>)");
        }
        Set<String> seen = new HashSet<>();
        for (String version : versions) {
            if (version == null || version.isBlank() || version.indexOf('/') >= 0 || !seen.add(version)) {
                throw new IllegalArgumentException("model '" + name + "': versions " + versions
                        + " (expected: unique, not blank, without '/')");
            }
        }
        unique(name, "input", inputs);
        unique(name, "output", outputs);
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    private static void unique(String model, String kind, List<TensorMetadata> tensors) {
        Set<String> names = new HashSet<>();
        for (TensorMetadata tensor : tensors) {
            Objects.requireNonNull(tensor, kind);
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("model '" + model + "': two " + kind + "s named '" + tensor.name()
                        + "' (expected: unique names)");
            }
        }
    }
}
