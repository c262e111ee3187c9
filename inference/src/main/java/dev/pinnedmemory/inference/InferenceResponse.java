package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.pinnedmemory.PinnedBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A model's answer: its output tensors (name, datatype, shape and bytes) and optional parameters.
 *
 * {@snippet :
 * return InferenceResponse.builder()
 *         .output("SCALED", "FP32", new long[] {n}, scaledLease)        // the response owns the lease now
 *         .output("SUM", "FP32", new long[] {1}, MemorySegment.ofArray(new float[] {sum}))
 *         .build();
 * }
 *
 * <p>Ownership. An output given as a {@link MemorySegment} stays the model's: it must stay valid until the
 * response has been written (an input's {@code data()} does; so does a heap segment). An output given as a
 * {@link PinnedBuffer} lease belongs to the response from that call on: the server ends it exactly once,
 * after writing it or when the request fails, also if {@code infer} throws after adding it (for builders
 * used on the thread that runs {@code infer}). A response the server never gets (a model's own test)
 * ends its leases with {@link #close()}.
 *
 * <p>Bytes are little-endian and row-major, as the inputs'. Immutable once built; thread-safe. The builder
 * is not thread-safe.
 */
public final class InferenceResponse implements AutoCloseable {

    private final List<Output> outputs;
    private final Map<String, Object> parameters;
    private final RequestLeases leases;

    private InferenceResponse(List<Output> outputs, Map<String, Object> parameters, RequestLeases leases) {
        this.outputs = List.copyOf(outputs);
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.leases = leases;
    }

    /** {@return a builder for a response} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the outputs, in the order the model added them} */
    public List<Output> outputs() {
        return outputs;
    }

    /** {@return the output named {@code name}, or null if there is none} */
    public @Nullable Output output(String name) {
        for (Output output : outputs) {
            if (output.name().equals(name)) {
                return output;
            }
        }
        return null;
    }

    /** {@return the response's parameters by name: {@code String}, {@code Long}, {@code Double} or {@code Boolean} values} */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /**
     * Ends the leases this response owns, unless a request took them over (then the server ends them). A
     * second call does nothing. Only needed for a response the server never gets, e.g. in a model's tests.
     */
    @Override
    public void close() {
        if (!leases.ofRequest()) {
            leases.endAll();
        }
    }

    /** The leases behind this response's outputs, for the request that takes it over. */
    RequestLeases leases() {
        return leases;
    }

    /**
     * One output tensor of a response.
     *
     * <p>Immutable; thread-safe. {@link #data()} is valid as long as the memory behind it (see the class
     * comment on {@link InferenceResponse}).
     */
    public static final class Output {

        private final String name;
        private final Datatype type;
        private final long[] shape;
        private final MemorySegment data;
        private final @Nullable PinnedBuffer<?> lease;

        Output(String name, Datatype type, long[] shape, MemorySegment data, @Nullable PinnedBuffer<?> lease) {
            this.name = name;
            this.type = type;
            this.shape = shape;
            this.data = data;
            this.lease = lease;
        }

        /** {@return the output's name} */
        public String name() {
            return name;
        }

        /** {@return the datatype's protocol name} */
        public String datatype() {
            return type.name();
        }

        /** {@return the datatype} */
        public Datatype type() {
            return type;
        }

        /** {@return the shape (a new array on each call)} */
        public long[] shape() {
            return shape.clone();
        }

        /** {@return the output's bytes: exactly what its shape and datatype need} */
        public MemorySegment data() {
            return data;
        }

        /** {@return the lease this output was given as, or null for a segment} */
        @Nullable PinnedBuffer<?> lease() {
            return lease;
        }

        long[] dimensions() {
            return shape;
        }

        @Override
        public String toString() {
            return "Output[" + name + ", " + type + " " + Shapes.describe(shape) + ", " + data.byteSize() + " bytes"
                    + (lease == null ? "" : ", leased") + "]";
        }
    }

    /**
     * Builds a response. Each {@code output} checks at once that the bytes fit the shape and datatype, so
     * a model's mistake fails inside {@code infer}, naming the output and the sizes. Not thread-safe.
     */
    public static final class Builder {

        private final List<Output> outputs = new ArrayList<>();
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private final RequestLeases leases = InferenceCall.currentLeases();

        private Builder() {
        }

        /**
         * Adds an output whose bytes are {@code data}, exactly what {@code shape} and {@code datatype} need.
         * The model keeps owning {@code data}, which must stay valid until the response has been written.
         *
         * @throws IllegalArgumentException naming the output and the sizes for a wrong size, an unknown
         *     datatype, a negative dimension or a second output of that name
         */
        public Builder output(String name, String datatype, long[] shape, MemorySegment data) {
            Objects.requireNonNull(data, "data");
            SegmentTensor checked = checkedHeader(name, datatype, shape, data);
            outputs.add(new Output(name, checked.type(), checked.dimensions(), data, null));
            return this;
        }

        /**
         * Adds an output whose bytes are the start of {@code lease}: the first {@code shape x datatype} bytes
         * (for {@code BYTES}, the first {@code count} elements). The response owns {@code lease} from now on
         * and ends it once it has been written, or when the request fails.
         *
         * @throws IllegalArgumentException naming the output and the sizes if the lease is too small (it is
         *     then ended), for an unknown datatype, a negative dimension or a second output of that name
         * @throws IllegalStateException if the lease already ended
         */
        public Builder output(String name, String datatype, long[] shape, PinnedBuffer<?> lease) {
            Objects.requireNonNull(lease, "lease");
            boolean added = leases.add(lease);
            try {
                MemorySegment segment = lease.segment();
                Datatype type = Datatype.parse(datatype);
                long elements = Shapes.elementCount(shape);
                long used = elements < 0 ? -1 : type.isVariableSize() ? TensorBytes.bytesLength(segment, elements, segment.byteSize())
                        : elements > segment.byteSize() / type.byteSize() ? -1 : elements * type.byteSize();
                if (used < 0) {
                    throw new IllegalArgumentException("output '" + name + "' (" + datatype + ", shape "
                            + Shapes.describe(shape) + "): a lease of " + segment.byteSize() + " bytes does not hold "
                            + Math.max(elements, 0) + (type.isVariableSize() ? " whole BYTES elements"
                            : " elements of " + type.byteSize() + " bytes"));
                }
                SegmentTensor checked = checkedHeader(name, datatype, shape, segment.asSlice(0, used));
                outputs.add(new Output(name, checked.type(), checked.dimensions(), checked.data(), lease));
                return this;
            } catch (RuntimeException e) {
                if (added && !leases.ofRequest()) {
                    leases.end(lease);
                }
                throw e;
            }
        }

        /**
         * Adds a response parameter.
         *
         * @throws IllegalArgumentException unless {@code value} is a {@code String}, {@code Long},
         *     {@code Integer}, {@code Double} or {@code Boolean} (an {@code Integer} is kept as a {@code Long})
         */
        public Builder parameter(String name, Object value) {
            parameters.put(Objects.requireNonNull(name, "name"), Parameters.checked(name, value));
            return this;
        }

        /** {@return the response} The builder may be used again; outputs added later belong to later builds. */
        public InferenceResponse build() {
            return new InferenceResponse(outputs, parameters, leases);
        }

        private SegmentTensor checkedHeader(String name, String datatype, long[] shape, MemorySegment data) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            for (Output output : outputs) {
                if (output.name().equals(name)) {
                    throw new IllegalArgumentException("two outputs named '" + name + "' (expected: unique names)");
                }
            }
            if (shape.length > Shapes.MAX_RANK) {
                throw new IllegalArgumentException("output '" + name + "': " + shape.length + " dimensions (expected: at most "
                        + Shapes.MAX_RANK + ")");
            }
            return SegmentTensor.checked(name, Datatype.parse(datatype), shape.clone(), data);
        }
    }
}
