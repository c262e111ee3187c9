package dev.pinnedmemory.inference;

import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * One output as a transport writes it: checked, in the order the response is sent, with the parameters
 * the request gave it (empty when it asked for all outputs). An output the request asked for in a shared
 * memory region ({@link #inSharedMemory()}) has been written there already: the transport answers its name,
 * datatype, shape and parameters ({@code shared_memory_region}, {@code shared_memory_offset} and
 * {@code shared_memory_byte_size}, the bytes written), never its data.
 *
 * <p>Ownership: the request owns {@link #data()} until it is closed; write it before. An immutable value
 * (do not change the {@code shape} array); thread-safe.
 *
 * @param name the output's name
 * @param type its datatype
 * @param shape its shape, every dimension a size
 * @param data its bytes: exactly what shape and datatype need, little-endian, row-major
 * @param parameters the parameters of the request's {@link RequestedOutput}, or empty; for an output in shared
 *     memory, its region, offset and the bytes written there
 */
public record ResponseOutput(String name, Datatype type, long[] shape, MemorySegment data,
                             Map<String, Object> parameters) {

    /** {@return whether the output was written into a client's shared memory region, and goes back without its data} */
    public boolean inSharedMemory() {
        return parameters.containsKey(SharedMemoryRegistry.REGION);
    }

    /** {@return the number of elements} */
    public long elementCount() {
        return Shapes.elementCount(shape);
    }
}
