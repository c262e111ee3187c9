package dev.pinnedmemory.inference;

import java.util.Arrays;
import java.util.List;

/**
 * Tensor shapes: element counts without overflow, byte sizes, matching a shape against metadata with
 * {@code -1} wildcards, and how shapes read in messages. Stateless; thread-safe.
 */
final class Shapes {

    /** Most dimensions a tensor may have: NumPy 2's limit. */
    static final int MAX_RANK = 64;

    private Shapes() {
    }

    /** {@return the number of elements of {@code shape}, or -1 if a dimension is negative or the product overflows a long} */
    static long elementCount(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                return -1;
            }
            try {
                count = Math.multiplyExact(count, dimension);
            } catch (ArithmeticException overflow) {
                return -1;
            }
        }
        return count;
    }

    /** {@return whether {@code shape} fits {@code declared}, whose -1 dimensions take any size} */
    static boolean matches(long[] shape, List<Long> declared) {
        if (shape.length != declared.size()) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            long want = declared.get(i);
            if (want != -1 && want != shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@return the shape as the protocol writes it, e.g. {@code [2, 3]}} */
    static String describe(long[] shape) {
        return Arrays.toString(shape);
    }
}
