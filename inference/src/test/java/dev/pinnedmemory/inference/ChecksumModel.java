package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;

/**
 * A model for the fuzz targets that trusts nothing it is given. Before anything else it checks every
 * promise the server makes to a model about its inputs, with checks of its own (not the server's): every
 * input of its metadata is there once, with its datatype, a shape that fits, exactly the bytes the shape
 * needs, {@code BOOL} bytes 0 or 1 and {@code BYTES} elements that fill the tensor exactly. A broken
 * promise is an {@link AssertionError}, which no transport catches: the fuzzer reports it as a finding.
 * Then it reads every byte of every input into a checksum, so an input whose segment lies outside its
 * lease, or whose lease already ended (the fuzz pools have strict segments), throws.
 *
 * <p>Its outputs, each named in the metadata: {@link Kind#CHECKSUM} ({@code UINT64 [1]}, FNV-1a of every
 * input byte in order, on the heap), {@link Kind#ECHO} (an input's own segment, so the transport writes
 * the response from the input's lease after {@code infer} returned) and {@link Kind#COPY} (a copy of an
 * input in a lease of the pool, which the response owns and ends once written).
 *
 * <p>Immutable; thread-safe.
 */
public final class ChecksumModel implements InferenceModel {

    /** What an output is made of. */
    public enum Kind {
        /** {@code UINT64 [1]}: FNV-1a over every byte of every input, in the request's order. */
        CHECKSUM,
        /** The input's own segment, its datatype and shape. */
        ECHO,
        /** A copy of the input in a lease of the pool, its datatype and shape. */
        COPY
    }

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong UINT64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Set<String> DATATYPES = Set.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
            "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES");

    private record Output(String name, Kind kind, String input) {
    }

    private final ModelMetadata metadata;
    private final List<Output> outputs;
    private final PinnedMemoryPool<byte[]> pool;

    private ChecksumModel(ModelMetadata metadata, List<Output> outputs, PinnedMemoryPool<byte[]> pool) {
        this.metadata = metadata;
        this.outputs = outputs;
        this.pool = pool;
    }

    /** {@return a builder of a model named {@code name} with {@code versions}, whose copies are leases of {@code pool}} */
    public static Builder builder(String name, PinnedMemoryPool<byte[]> pool, String... versions) {
        return new Builder(name, pool, List.of(versions));
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public InferenceResponse infer(InferenceRequest request) {
        checkPromises(request);
        long checksum = FNV_OFFSET;
        for (InferenceTensor input : request.inputs()) {
            MemorySegment data = input.data();
            for (long i = 0; i < data.byteSize(); i++) {
                checksum = (checksum ^ (data.get(ValueLayout.JAVA_BYTE, i) & 0xFF)) * FNV_PRIME;
            }
        }
        InferenceResponse.Builder response = InferenceResponse.builder();
        for (Output output : outputs) {
            switch (output.kind()) {
                case CHECKSUM -> {
                    MemorySegment sum = MemorySegment.ofArray(new byte[Long.BYTES]);
                    sum.set(UINT64, 0, checksum);
                    response.output(output.name(), "UINT64", new long[] {1}, sum);
                }
                case ECHO -> {
                    InferenceTensor input = request.input(output.input());
                    response.output(output.name(), input.datatype(), input.shape(), input.data());
                }
                case COPY -> {
                    InferenceTensor input = request.input(output.input());
                    MemorySegment data = input.data();
                    if (data.byteSize() == 0) {
                        response.output(output.name(), input.datatype(), input.shape(), MemorySegment.ofArray(new byte[0]));
                    } else {
                        // The builder checks the lease's bytes (BOOL, BYTES) when it takes it: copy first.
                        PinnedBuffer<byte[]> copy = pool.rent(Math.toIntExact(data.byteSize()));
                        try {
                            MemorySegment.copy(data, 0, copy.segment(), 0, data.byteSize());
                            response.output(output.name(), input.datatype(), input.shape(), copy);
                        } catch (RuntimeException e) {
                            copy.close();
                            throw e;
                        }
                    }
                }
            }
        }
        return response.parameter("checked_inputs", (long) request.inputs().size()).build();
    }

    /** Checks what the server promises every model about its inputs, with rules of its own. */
    private void checkPromises(InferenceRequest request) {
        Set<String> seen = new HashSet<>();
        for (InferenceTensor input : request.inputs()) {
            if (!seen.add(input.name())) {
                throw broken(request, "input '" + input.name() + "' is given twice");
            }
            TensorMetadata declared = metadata.inputs().stream().filter(t -> t.name().equals(input.name())).findFirst()
                    .orElseThrow(() -> broken(request, "input '" + input.name() + "' is not one of the model's"));
            if (!declared.datatype().equals(input.datatype())) {
                throw broken(request, "input '" + input.name() + "' is " + input.datatype() + ", the model takes "
                        + declared.datatype());
            }
            long[] shape = input.shape();
            if (shape.length != declared.shape().size()) {
                throw broken(request, "input '" + input.name() + "' has shape " + Arrays.toString(shape) + " for "
                        + declared.shape());
            }
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                long wanted = declared.shape().get(i);
                if (shape[i] < 0 || (wanted != -1 && shape[i] != wanted)) {
                    throw broken(request, "input '" + input.name() + "' has shape " + Arrays.toString(shape) + " for "
                            + declared.shape());
                }
                elements = Math.multiplyExact(elements, shape[i]);
            }
            MemorySegment data = input.data();
            if (data.byteSize() > 0 && !data.isNative()) {
                throw broken(request, "input '" + input.name() + "' is not in native memory");
            }
            checkBytes(request, input, elements, data);
        }
        for (TensorMetadata declared : metadata.inputs()) {
            if (!seen.contains(declared.name())) {
                throw broken(request, "input '" + declared.name() + "' is missing");
            }
        }
        for (String output : request.requestedOutputs()) {
            if (outputs.stream().noneMatch(o -> o.name().equals(output))) {
                throw broken(request, "output '" + output + "' is not one of the model's");
            }
        }
    }

    private static void checkBytes(InferenceRequest request, InferenceTensor input, long elements, MemorySegment data) {
        String name = input.name();
        switch (input.datatype()) {
            case "BYTES" -> {
                long offset = 0;
                for (long i = 0; i < elements; i++) {
                    if (data.byteSize() - offset < Integer.BYTES) {
                        throw broken(request, "BYTES input '" + name + "' ends inside the length of element " + i);
                    }
                    long length = Integer.toUnsignedLong(data.get(LENGTH, offset));
                    offset += Integer.BYTES;
                    if (length > data.byteSize() - offset) {
                        throw broken(request, "BYTES input '" + name + "' element " + i + " runs past its data");
                    }
                    offset += length;
                }
                if (offset != data.byteSize()) {
                    throw broken(request, "BYTES input '" + name + "' has " + (data.byteSize() - offset)
                            + " bytes after its " + elements + " elements");
                }
            }
            case "BOOL" -> {
                checkSize(request, name, data, elements);
                for (long i = 0; i < data.byteSize(); i++) {
                    byte value = data.get(ValueLayout.JAVA_BYTE, i);
                    if (value != 0 && value != 1) {
                        throw broken(request, "BOOL input '" + name + "' element " + i + " is " + value);
                    }
                }
            }
            default -> checkSize(request, name, data, Math.multiplyExact(elements, elementBytes(input.datatype())));
        }
    }

    private static void checkSize(InferenceRequest request, String name, MemorySegment data, long bytes) {
        if (data.byteSize() != bytes) {
            throw broken(request, "input '" + name + "' has " + data.byteSize() + " bytes, its shape needs " + bytes);
        }
    }

    private static int elementBytes(String datatype) {
        return switch (datatype) {
            case "BOOL", "UINT8", "INT8" -> 1;
            case "UINT16", "INT16", "FP16", "BF16" -> 2;
            case "UINT32", "INT32", "FP32" -> 4;
            case "UINT64", "INT64", "FP64" -> 8;
            default -> throw new AssertionError("no fixed size: " + datatype);
        };
    }

    private static AssertionError broken(InferenceRequest request, String what) {
        return new AssertionError("the server broke its promise to model '" + request.modelName() + "': " + what);
    }

    @Override
    public String toString() {
        return "ChecksumModel[" + metadata.name() + "]";
    }

    /** Declares a checksum model's inputs and outputs. Not thread-safe. */
    public static final class Builder {

        private final String name;
        private final PinnedMemoryPool<byte[]> pool;
        private final List<String> versions;
        private final List<TensorMetadata> inputs = new ArrayList<>();
        private final List<TensorMetadata> outputMetadata = new ArrayList<>();
        private final List<Output> outputs = new ArrayList<>();

        private Builder(String name, PinnedMemoryPool<byte[]> pool, List<String> versions) {
            this.name = name;
            this.pool = pool;
            this.versions = versions;
        }

        /** Adds an input of {@code datatype} and {@code shape} (-1: any size). */
        public Builder input(String input, String datatype, long... shape) {
            if (!DATATYPES.contains(datatype)) {
                throw new IllegalArgumentException(datatype);
            }
            inputs.add(new TensorMetadata(input, datatype, Arrays.stream(shape).boxed().toList()));
            return this;
        }

        /** Adds an output made of {@code input} as {@code kind} says ({@code input} is ignored for a checksum). */
        public Builder output(String output, Kind kind, String input) {
            TensorMetadata source = inputs.stream().filter(t -> t.name().equals(input)).findFirst().orElse(null);
            if (kind == Kind.CHECKSUM) {
                outputMetadata.add(new TensorMetadata(output, "UINT64", List.of(1L)));
            } else {
                Objects.requireNonNull(source, () -> "no input '" + input + "' for output '" + output + "'");
                outputMetadata.add(new TensorMetadata(output, source.datatype(), source.shape()));
            }
            outputs.add(new Output(output, kind, input));
            return this;
        }

        public ChecksumModel build() {
            return new ChecksumModel(new ModelMetadata(name, versions, "fuzz", List.copyOf(inputs), List.copyOf(outputMetadata)),
                    List.copyOf(outputs), pool);
        }
    }
}
