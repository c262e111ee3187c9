package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One inference request as the model sees it: the model's name and the version serving it, the
 * request's id, its inputs (checked against the model's metadata: every input there, with its
 * datatype, a fitting shape and exactly the bytes that shape needs), its parameters and the outputs
 * the client asked for.
 *
 * <p>Ownership: the server owns the inputs' memory, valid until the response has been written (see
 * {@link InferenceTensor}). Immutable; thread-safe.
 */
public final class InferenceRequest {

    private final String modelName;
    private final @Nullable String modelVersion;
    private final @Nullable String id;
    private final List<InferenceTensor> inputs;
    private final Map<String, InferenceTensor> byName;
    private final Map<String, Object> parameters;
    private final List<String> requestedOutputs;
    private final Map<String, MemorySegment> outputMemory;

    InferenceRequest(String modelName, @Nullable String modelVersion, @Nullable String id, List<InferenceTensor> inputs,
                     Map<String, Object> parameters, List<String> requestedOutputs, Map<String, MemorySegment> outputMemory) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.id = id;
        this.inputs = List.copyOf(inputs);
        Map<String, InferenceTensor> named = new LinkedHashMap<>();
        for (InferenceTensor input : this.inputs) {
            if (named.putIfAbsent(input.name(), input) != null) {
                throw new IllegalArgumentException("two inputs named '" + input.name() + "' (expected: unique names)");
            }
        }
        this.byName = Collections.unmodifiableMap(named);
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.requestedOutputs = List.copyOf(requestedOutputs);
        this.outputMemory = Map.copyOf(outputMemory);
    }

    /**
     * {@return a request for a model's own tests}, with no version, id, parameters or requested outputs;
     * the inputs are taken as they are (not checked against any metadata)
     *
     * @throws IllegalArgumentException if two inputs share a name
     */
    public static InferenceRequest of(String modelName, List<? extends InferenceTensor> inputs) {
        return new InferenceRequest(Objects.requireNonNull(modelName, "modelName"), null, null, List.copyOf(inputs),
                Map.of(), List.of(), Map.of());
    }

    /** {@return the model's name, as in the URL} */
    public String modelName() {
        return modelName;
    }

    /** {@return the version serving the request (the one asked for, or the latest); null for a model without versions} */
    public @Nullable String modelVersion() {
        return modelVersion;
    }

    /** {@return the request's id, which the response repeats; null if the client gave none} */
    public @Nullable String id() {
        return id;
    }

    /** {@return the inputs, in the order the request gave them} */
    public List<InferenceTensor> inputs() {
        return inputs;
    }

    /**
     * {@return the input named {@code name}}
     *
     * @throws IllegalArgumentException naming the inputs there are if there is none by that name
     */
    public InferenceTensor input(String name) {
        InferenceTensor input = byName.get(name);
        if (input == null) {
            throw new IllegalArgumentException("no input '" + name + "' in this request (inputs: " + byName.keySet() + ")");
        }
        return input;
    }

    /**
     * {@return the request's parameters: {@code String}, {@code Long}, {@code Double} or {@code Boolean}
     * values by name} The protocol's own ({@code binary_data_output}) are among them.
     */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** {@return the names of the outputs the client asked for, in its order; empty: all} */
    public List<String> requestedOutputs() {
        return requestedOutputs;
    }

    /**
     * {@return where the client asked to receive output {@code name}: a view of its shared memory region, the
     * {@code shared_memory_byte_size} bytes it offered; or null when the output goes back in the response}
     * A model that writes the output there and answers with that memory ({@code output(name, datatype, shape,
     * outputMemory(name).asSlice(0, bytes))}) makes it travel with no copy at all; an output answered in other
     * memory is copied there after {@code infer} returns. Valid until the response has been written, as inputs are.
     */
    public @Nullable MemorySegment outputMemory(String name) {
        return outputMemory.get(name);
    }

    @Override
    public String toString() {
        return "InferenceRequest[model=" + modelName + (modelVersion == null ? "" : ", version=" + modelVersion)
                + (id == null ? "" : ", id=" + id) + ", inputs=" + byName.keySet() + "]";
    }
}
