package dev.pinnedmemory.inference;

import java.util.Map;

/**
 * An input a request has declared and the rules have accepted: its name and datatype are the model's,
 * its shape fits the model's, its byte size (when the transport knew it) is what the shape needs and fits
 * the pool. Its bytes arrive later, through {@link InferenceCall#receive} or {@link InferenceCall#attach}; or
 * they are in a registered shared memory region ({@link #inSharedMemory()}), attached when it was declared.
 *
 * <p>Made only by {@link InferenceCall#declareInput}; immutable; thread-safe.
 */
public final class DeclaredInput {

    /** A byte size the transport cannot tell before the data arrives ({@code BYTES} elements in JSON). */
    public static final long UNKNOWN_SIZE = -1;

    private final int index;
    private final String name;
    private final Datatype type;
    private final long[] shape;
    private final long elementCount;
    private final long byteSize;
    private final Map<String, Object> parameters;
    private final boolean sharedMemory;

    DeclaredInput(int index, String name, Datatype type, long[] shape, long elementCount, long byteSize,
                  Map<String, Object> parameters, boolean sharedMemory) {
        this.index = index;
        this.name = name;
        this.type = type;
        this.shape = shape;
        this.elementCount = elementCount;
        this.byteSize = byteSize;
        this.parameters = Map.copyOf(parameters);
        this.sharedMemory = sharedMemory;
    }

    /** {@return the position of this input among the request's inputs, from 0} */
    public int index() {
        return index;
    }

    /** {@return the input's name} */
    public String name() {
        return name;
    }

    /** {@return the datatype} */
    public Datatype type() {
        return type;
    }

    /** {@return the shape (a new array on each call)} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return the number of elements the shape holds} */
    public long elementCount() {
        return elementCount;
    }

    /**
     * {@return the tensor's size in bytes, or {@link #UNKNOWN_SIZE} for {@code BYTES} whose size was not
     * declared} Fixed-size datatypes always know it: elements x element size.
     */
    public long byteSize() {
        return byteSize;
    }

    /**
     * {@return whether the input's bytes are in a registered shared memory region (its parameters name one): they
     * were attached when it was declared, and the transport reads no data of it}
     */
    public boolean inSharedMemory() {
        return sharedMemory;
    }

    /** {@return the input's parameters by name (REST: {@code binary_data_size}, ...)} */
    public Map<String, Object> parameters() {
        return parameters;
    }

    long[] dimensions() {
        return shape;
    }

    /** {@return the input as the messages name it: {@code input 'x' (FP32, shape [2, 2])}} */
    String describe() {
        return "input '" + name + "' (" + type + ", shape " + Shapes.describe(shape) + ")";
    }

    @Override
    public String toString() {
        return "DeclaredInput[" + describe() + ", " + (byteSize < 0 ? "size unknown" : byteSize + " bytes") + "]";
    }
}
