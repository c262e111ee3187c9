package dev.pinnedmemory.inference;

import java.util.List;
import java.util.Objects;

/**
 * One input or output tensor of a model, as its metadata describes it: a name, an Open Inference
 * Protocol datatype name ({@code "FP32"}, {@code "INT64"}, {@code "BYTES"}, ... see {@link Datatype})
 * and a shape whose dimensions are sizes or {@code -1} for any size.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param name the tensor's name, unique among the model's inputs (or outputs)
 * @param datatype the datatype's protocol name, case-sensitive
 * @param shape the dimensions, {@code -1} for a dimension of any size; at most 64
 * @throws IllegalArgumentException naming the value and the rule for a blank name, an unknown datatype,
 *     a dimension below {@code -1} or too many dimensions
 */
public record TensorMetadata(String name, String datatype, List<Long> shape) {

    public TensorMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        Objects.requireNonNull(shape, "shape");
        if (name.isBlank()) {
            throw new IllegalArgumentException("tensor name: '" + name + "' (expected: not blank)");
        }
        Datatype.parse(datatype);
        if (shape.size() > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("tensor '" + name + "': " + shape.size() + " dimensions (expected: at most "
                    + Shapes.MAX_RANK + ")");
        }
        for (Long dimension : shape) {
            if (dimension == null || dimension < -1) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + shape
                        + " (expected: sizes of at least 0, or -1 for any size)");
            }
        }
        shape = List.copyOf(shape);
    }

    /** {@return the datatype as the enum} */
    public Datatype type() {
        return Datatype.parse(datatype);
    }
}
