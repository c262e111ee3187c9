package dev.pinnedmemory;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The buffer sizes a pool serves now (its shape): one {@link SizeClass}, or, with a minimum buffer size, a
 * ladder of classes from the minimum to the buffer size, each with its idle buffers. A resize makes
 * a new shape (a new generation with new idle sets), so a buffer of an old shape can never re-enter
 * an idle set that renters read.
 *
 * <p>The ladder has four classes per doubling ({@code 2^k}, {@code 1.25 * 2^k}, {@code 1.5 * 2^k},
 * {@code 1.75 * 2^k}, rounded up; every length up to 8), plus the minimum and the maximum. Two
 * neighbours are never more than 1.25 apart, so a rent of {@code n >= min} elements is served by a
 * buffer of fewer than {@code 1.25 * n} elements (at most {@code n} + 25 %). Immutable; its
 * classes are thread-safe.
 */
final class SizeClasses {

    /** Classes per doubling of the buffer size. */
    static final int CLASSES_PER_DOUBLING = 4;

    /**
     * One buffer size of a shape: its length, its idle buffers and its counters. Rents of a length
     * up to {@link #length} and above the next smaller class are served here. Belongs to one shape
     * (one {@link #generation}); after a resize its idle buffers are freed and buffers of it that
     * come back are dropped. Thread-safe.
     */
    static final class SizeClass {

        final int index;
        final int length;
        final long bytes;
        final int generation;
        final IdleSlots<NativeBlock.Anchor> idle;
        final LedgerCounters counters = new LedgerCounters();
        /** For messages, e.g. {@code a buffer of 1024 FLOAT elements (4096 bytes)}. */
        final String description;

        SizeClass(int index, int length, ElementType<?> type, int generation, int maxIdle) {
            this.index = index;
            this.length = length;
            this.bytes = (long) length * type.byteSize();
            this.generation = generation;
            this.idle = new IdleSlots<>(maxIdle);
            this.description = "a buffer of " + length + " " + type + " elements (" + bytes + " bytes)";
        }
    }

    final int generation;
    final SizeClass[] classes;
    /** The last class: the buffer size, which full-size rents ask for. */
    final SizeClass largest;
    /** The rung ({@link #rung}) of the second class: where {@link #classFor} starts counting. */
    private final int secondRung;

    private SizeClasses(int generation, SizeClass[] classes) {
        this.generation = generation;
        this.classes = classes;
        this.largest = classes[classes.length - 1];
        this.secondRung = classes.length > 1 ? rung(classes[0].length + 1) : 0;
    }

    /**
     * A shape of buffers up to {@code maxLength} elements; with {@code 0 < minLength < maxLength},
     * size classes from {@code minLength}.
     */
    static SizeClasses of(int generation, ElementType<?> type, int minLength, int maxLength, int maxIdle) {
        int[] lengths = lengths(minLength, maxLength);
        SizeClass[] classes = new SizeClass[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            classes[i] = new SizeClass(i, lengths[i], type, generation, maxIdle);
        }
        return new SizeClasses(generation, classes);
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

    int maxLength() {
        return largest.length;
    }

    /**
     * {@return the smallest class that holds {@code length} elements} ({@code length} at most
     * {@link #maxLength()}) Computed, not searched: every ladder length from 8 up is a rung
     * ({@code 2^k}, {@code 1.25 * 2^k}, {@code 1.5 * 2^k}, {@code 1.75 * 2^k}), so the class's
     * position is the distance in rungs from the second class; the two loops only correct it below 8
     * elements and at the ends (a search by halves would take a data-dependent branch per halving).
     */
    SizeClass classFor(int length) {
        SizeClass[] ladder = classes;
        int last = ladder.length - 1;
        if (last == 0 || length <= ladder[0].length) {
            return ladder[0];
        }
        int i = Math.clamp(rung(length) - secondRung + 1, 1, last);
        while (ladder[i].length < length) {   // ends at the last class at the latest: it holds every length
            i++;
        }
        while (ladder[i - 1].length >= length) {   // ends at 1 at the latest: the first class is shorter than length
            i--;
        }
        return ladder[i];
    }

    /**
     * {@return the position on the ladder of the smallest ladder length at or above {@code length}:
     * 4 per doubling} Exact from 9 up ({@code 4k + j} for {@code 2^k * (1 + j / 4)}); below that a
     * monotone estimate. {@code length} at least 1.
     */
    static int rung(int length) {
        if (length <= 8) {
            return length + 4;
        }
        int below = length - 1;
        int k = 31 - Integer.numberOfLeadingZeros(below);
        return CLASSES_PER_DOUBLING * k + ((below >>> (k - 2)) & (CLASSES_PER_DOUBLING - 1)) + 1;
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
    NativeBlock.@Nullable Anchor pollLargestIdle() {
        for (int i = classes.length - 1; i >= 0; i--) {
            NativeBlock.Anchor idle = classes[i].idle.poll();
            if (idle != null) {
                return idle;
            }
        }
        return null;
    }

    /** Takes every idle buffer out, largest class first. */
    List<NativeBlock.Anchor> drainIdle() {
        List<NativeBlock.Anchor> drained = new ArrayList<>();
        for (int i = classes.length - 1; i >= 0; i--) {
            drained.addAll(classes[i].idle.drain());
        }
        return drained;
    }
}
