package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The {@link InferenceTensor} the library makes, over a segment: an input tensor as the model gets it
 * (name, datatype, shape and the bytes, which are a view of a lease, or a region, that the request
 * owns), and the checked header of an output or of {@link InferenceTensor#of}. Owns nothing; immutable;
 * thread-safe.
 */
record SegmentTensor(String name, Datatype type, long[] dimensions, MemorySegment data) implements InferenceTensor {

    /** {@return a tensor after checking that {@code data} holds exactly what the shape needs} */
    static SegmentTensor checked(String name, Datatype type, long[] shape, MemorySegment data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        long elements = Shapes.elementCount(shape);
        if (elements < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Shapes.describe(shape)
                    + " (expected: dimensions of at least 0 whose product fits a long)");
        }
        String problem = TensorBytes.check(type, elements, data, data.byteSize());
        if (problem != null) {
            throw new IllegalArgumentException("tensor '" + name + "' (" + type + ", shape " + Shapes.describe(shape)
                    + "): " + problem);
        }
        return new SegmentTensor(name, type, shape, data);
    }

    @Override
    public String datatype() {
        return type.name();
    }

    @Override
    public long[] shape() {
        return dimensions.clone();
    }

    @Override
    public String toString() {
        return "InferenceTensor[" + name + ", " + type + " " + Shapes.describe(dimensions) + ", " + data.byteSize()
                + " bytes]";
    }
}
