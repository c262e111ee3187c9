package dev.pinnedmemory;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The buffer sizes a pool serves now: one {@link SizeClass}, or, with a minimum buffer size, a
 * ladder of classes from the minimum to the buffer size. A resize makes a new shape (a new
 * generation with new idle sets), so a buffer of an old shape can never re-enter an idle set
 * that renters read.
 *
 * <p>The ladder has four classes per doubling ({@code 2^k}, {@code 1.25 * 2^k}, {@code 1.5 * 2^k},
 * {@code 1.75 * 2^k}, rounded up; every length up to 8), plus the minimum and the maximum. Two
 * neighbours are never more than 1.25 apart, so a rent of {@code n >= min} elements is served by a
 * buffer of fewer than {@code 1.25 * n} elements (at most {@code n} + 25 %). Immutable; its
 * classes are thread-safe.
 */
final class PoolShape {

    /** Classes per doubling of the buffer size. */
    static final int CLASSES_PER_DOUBLING = 4;

    final int generation;
    final int minLength;
    final SizeClass[] classes;

    private PoolShape(int generation, int minLength, SizeClass[] classes) {
        this.generation = generation;
        this.minLength = minLength;
        this.classes = classes;
    }

    /**
     * A shape of buffers up to {@code maxLength} elements; with {@code 0 < minLength < maxLength},
     * size classes from {@code minLength}.
     */
    static PoolShape of(int generation, ElementType<?> type, int minLength, int maxLength, int maxIdle) {
        int[] lengths = lengths(minLength, maxLength);
        SizeClass[] classes = new SizeClass[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            classes[i] = new SizeClass(i, lengths[i], type, generation, maxIdle);
        }
        return new PoolShape(generation, minLength, classes);
    }

    /** {@return the class lengths between {@code min} and {@code max}, ascending; just {@code max} without classes} */
    static int[] lengths(int min, int max) {
        if (min <= 0 || min >= max) {
            return new int[] {max};
        }
        List<Integer> lengths = new ArrayList<>();
        lengths.add(min);
        for (int shift = 0; shift < Integer.SIZE - 1; shift++) {
            for (int step = 0; step < CLASSES_PER_DOUBLING; step++) {
                // ceil((4 + step) * 2^shift / 4), in long so the largest steps cannot overflow.
                long length = (((long) (CLASSES_PER_DOUBLING + step) << shift) + CLASSES_PER_DOUBLING - 1)
                        / CLASSES_PER_DOUBLING;
                if (length > lengths.getLast() && length < max) {
                    lengths.add((int) length);
                }
            }
        }
        lengths.add(max);
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    SizeClass largest() {
        return classes[classes.length - 1];
    }

    int maxLength() {
        return largest().length;
    }

    /** {@return the smallest class that holds {@code length} elements} ({@code length} at most {@link #maxLength()}) */
    SizeClass classFor(int length) {
        if (classes.length == 1) {
            return classes[0];
        }
        int low = 0;
        int high = classes.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (classes[middle].length >= length) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return classes[low];
    }

    int idleCount() {
        int count = 0;
        for (SizeClass c : classes) {
            count += c.idle.count();
        }
        return count;
    }

    /** {@return the bytes of the idle buffers now} */
    long idleBytes() {
        long idle = 0;
        for (SizeClass c : classes) {
            idle += c.idle.count() * c.bytes;
        }
        return idle;
    }

    /** {@return the bytes of a buffer of the largest class with an idle buffer now, 0 when none} */
    long largestIdleBytes() {
        for (int i = classes.length - 1; i >= 0; i--) {
            if (classes[i].idle.count() > 0) {
                return classes[i].bytes;
            }
        }
        return 0;
    }

    /** {@return an idle buffer of the largest class that has one, taken out of its slots; null when none} */
    @Nullable BlockAnchor pollLargestIdle() {
        int[] home = {0};
        for (int i = classes.length - 1; i >= 0; i--) {
            BlockAnchor idle = classes[i].idle.poll(home);
            if (idle != null) {
                return idle;
            }
        }
        return null;
    }

    /** Takes every idle buffer out, largest class first. */
    List<BlockAnchor> drainIdle() {
        List<BlockAnchor> drained = new ArrayList<>();
        for (int i = classes.length - 1; i >= 0; i--) {
            drained.addAll(classes[i].idle.drain());
        }
        return drained;
    }
}
