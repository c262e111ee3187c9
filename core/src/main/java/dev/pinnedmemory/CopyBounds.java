package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The argument checks of a buffer's copies ({@link PinnedBuffer#copyFrom} and {@code copyTo}), each
 * failure naming the sizes: checked before the lease is even looked at, so a bad argument is
 * reported as such on an open or a closed buffer alike, and nothing is copied. Stateless; thread-safe.
 */
final class CopyBounds {

    private CopyBounds() {
    }

    /** {@return the elements to copy from {@code source[sourceOffset..]} into a buffer of {@code length}} */
    static <A> int fromArray(ElementType<A> type, A source, int sourceOffset, int length) {
        int sourceLength = type.lengthOf(Objects.requireNonNull(source, "source"));
        if (sourceOffset < 0 || sourceOffset > sourceLength) {
            throw new IndexOutOfBoundsException("copyFrom: sourceOffset " + sourceOffset
                    + " outside source of " + sourceLength + " elements");
        }
        int count = sourceLength - sourceOffset;
        if (count > length) {
            throw new IndexOutOfBoundsException("copyFrom: " + count + " elements from source of " + sourceLength
                    + " at offset " + sourceOffset + " do not fit a buffer of " + length + " elements");
        }
        return count;
    }

    /** Checks that all of {@code source} fits {@code target} (a buffer of {@code length} elements) in whole elements. */
    static void fromSegment(ElementType<?> type, MemorySegment source, MemorySegment target, int length) {
        Objects.requireNonNull(source, "source");
        long bytes = source.byteSize();
        if (bytes > target.byteSize()) {
            throw new IndexOutOfBoundsException("copyFrom: source of " + bytes + " bytes does not fit a buffer of "
                    + target.byteSize() + " bytes (" + length + " " + type + " elements)");
        }
        if (bytes % type.byteSize() != 0) {
            throw new IllegalArgumentException("copyFrom: source of " + bytes + " bytes is not a whole number of "
                    + type + " elements of " + type.byteSize() + " bytes");
        }
    }

    /** Checks that a buffer of {@code length} elements fits {@code destination[destinationOffset..]}. */
    static <A> void toArray(ElementType<A> type, A destination, int destinationOffset, int length) {
        int destinationLength = type.lengthOf(Objects.requireNonNull(destination, "destination"));
        if (destinationOffset < 0 || destinationOffset > destinationLength
                || destinationLength - destinationOffset < length) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + length + " elements does not fit destination of "
                    + destinationLength + " elements at offset " + destinationOffset);
        }
    }

    /** Checks that all of {@code source} (a buffer's memory) fits {@code destination}. */
    static void toSegment(MemorySegment source, MemorySegment destination) {
        Objects.requireNonNull(destination, "destination");
        if (destination.byteSize() < source.byteSize()) {
            throw new IndexOutOfBoundsException("copyTo: buffer of " + source.byteSize()
                    + " bytes does not fit destination of " + destination.byteSize() + " bytes");
        }
    }
}
