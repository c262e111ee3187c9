package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;

/**
 * One input tensor of a request: its name, datatype, shape and bytes.
 *
 * <p>Ownership: the server owns the memory. {@link #data()} is valid until the response to the request
 * has been written (also when the model hands it back as an output); after that it must not be used,
 * and the server has ended its lease (a pooled segment then belongs to the next renter).
 *
 * <p>Thread-safety: read it from any thread while the request lasts; its bytes are not synchronised.
 */
public interface InferenceTensor {

    /** {@return the tensor's name} */
    String name();

    /** {@return the datatype's protocol name, e.g. {@code "FP32"}} */
    String datatype();

    /** {@return the shape, every dimension a size (a new array on each call)} */
    long[] shape();

    /**
     * {@return the tensor's bytes in pinned memory: little-endian, row-major, without padding}
     * A {@code BYTES} tensor holds each element as a 4-byte little-endian length and then its bytes.
     * An input with no elements has a segment of 0 bytes.
     */
    MemorySegment data();

    /**
     * {@return a tensor over {@code data}, for a model's own tests}; the caller keeps owning {@code data}
     *
     * @throws IllegalArgumentException naming the sizes if {@code data} does not hold exactly the bytes
     *     that {@code shape} and {@code datatype} need (for {@code BYTES}: whole elements, as many as the
     *     shape has), or for an unknown datatype or a negative dimension
     */
    static InferenceTensor of(String name, String datatype, long[] shape, MemorySegment data) {
        return SegmentTensor.checked(name, Datatype.parse(datatype), shape.clone(), data);
    }
}
