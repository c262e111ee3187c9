package dev.pinnedmemory.inference;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Where a tensor's bytes lie in a registered region, as its parameters say: {@code shared_memory_region} (required),
 * {@code shared_memory_offset} (optional, 0 by default) and {@code shared_memory_byte_size} (required). Only the
 * parameters are read here; whether the region exists and holds those bytes is {@link SharedMemoryRegistry}'s to
 * check. An immutable value; thread-safe.
 *
 * @param region the region's name
 * @param offset where the tensor starts in the region, at least 0
 * @param byteSize the tensor's bytes (for an output: the room for them), at least 0
 */
record SharedMemoryReference(String region, long offset, long byteSize) {

    /**
     * {@return the reference the parameters of {@code tensor} make, or null when they name no shared memory}
     *
     * @param tensor the tensor as messages name it, e.g. {@code input 'x' (FP32, shape [4])}
     * @throws InferenceException {@code INVALID_ARGUMENT} naming the parameter and its value, for a region that is
     *     not a name, a size without a region or a region without a size, and offsets or sizes that are not
     *     integers of at least 0
     */
    static @Nullable SharedMemoryReference parse(Map<String, Object> parameters, String tensor) {
        Object region = parameters.get(SharedMemoryRegistry.REGION);
        Object offset = parameters.get(SharedMemoryRegistry.OFFSET);
        Object size = parameters.get(SharedMemoryRegistry.BYTE_SIZE);
        if (region == null && offset == null && size == null) {
            return null;
        }
        if (region == null) {
            throw InferenceException.invalid(tensor + ": " + (size != null ? SharedMemoryRegistry.BYTE_SIZE
                    : SharedMemoryRegistry.OFFSET) + " without " + SharedMemoryRegistry.REGION + " (expected: the name of a "
                    + "registered region with it)");
        }
        if (!(region instanceof String name) || name.isEmpty()) {
            throw InferenceException.invalid(tensor + ": " + SharedMemoryRegistry.REGION + " is " + describe(region)
                    + " (expected: the name of a registered region)");
        }
        if (size == null) {
            throw InferenceException.invalid(tensor + ": " + SharedMemoryRegistry.REGION + " '" + name + "' without "
                    + SharedMemoryRegistry.BYTE_SIZE + " (both are required; " + SharedMemoryRegistry.OFFSET
                    + " is 0 when left out)");
        }
        return new SharedMemoryReference(name, offset == null ? 0 : integer(offset, SharedMemoryRegistry.OFFSET, tensor),
                integer(size, SharedMemoryRegistry.BYTE_SIZE, tensor));
    }

    /** {@return the reference as messages name it: {@code region 'r' (offset 0, 16 bytes)}} */
    String describe() {
        return "region '" + region + "' (" + SharedMemoryRegistry.OFFSET + " " + offset + ", "
                + SharedMemoryRegistry.BYTE_SIZE + " " + byteSize + ")";
    }

    private static long integer(Object value, String parameter, String tensor) {
        if (!(value instanceof Long number)) {
            throw InferenceException.invalid(tensor + ": " + parameter + " is " + describe(value)
                    + " (expected: a number of bytes, an integer of at least 0)");
        }
        if (number < 0) {
            throw InferenceException.invalid(tensor + ": " + parameter + " is " + number + " (expected: at least 0)");
        }
        return number;
    }

    private static String describe(Object value) {
        return switch (value) {
            case String text -> "the string '" + (text.length() > 64 ? text.substring(0, 64) + "..." : text) + "'";
            case Boolean flag -> "the boolean " + flag;
            default -> "the number " + value;
        };
    }
}
