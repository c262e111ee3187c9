package dev.pinnedmemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;

/**
 * A bounded, lock-free, allocation-free set of idle objects: one compare-and-set per offer or
 * poll. Each thread has a home slot where its polls and offers start: at first its id modulo the
 * capacity, then wherever its last poll succeeded. Two threads that start on the same slot thus
 * part after one collision and from then on touch only their own cache line, and each gets back
 * the buffer it used last (still warm in cache). Homes are hints, kept per set in a table indexed
 * by the low bits of the thread id, at least as long as the set (up to 4096), so finding one costs
 * two loads and no {@code ThreadLocal}; threads whose ids differ by a multiple of the table's
 * length share a home. Thread-safe.
 */
final class IdleSlots<T> {

    /** References per slot: 16 compressed references are 64 bytes, one cache line. */
    private static final int PADDED_STRIDE = 16;
    /** Up to this capacity each slot gets a cache line of its own (4 KiB per set at most). */
    private static final int PADDING_LIMIT = 64;
    /** Fewest home hints per set; a power of two. */
    private static final int MIN_HOMES = 64;
    /** Most home hints per set: threads beyond that many share them. */
    private static final int MAX_HOMES = 4096;

    private final AtomicReferenceArray<T> slots;
    private final int capacity;
    private final int stride;
    /**
     * Where each thread (by the low bits of its id) starts looking, plus one; 0 until the thread's
     * first poll or offer sets it to its id modulo the capacity. Written only when that moves.
     */
    private final int[] homes;

    IdleSlots(int capacity) {
        this.capacity = capacity;
        this.stride = capacity <= PADDING_LIMIT ? PADDED_STRIDE : 1;
        // One stride of padding before the first slot and after the last: slot 0 would otherwise share
        // a cache line with the array's length, which every bounds-checked access of every thread
        // reads (measured: two threads then moved fewer pairs per second than one, in 7 of 8 layouts).
        this.slots = new AtomicReferenceArray<>(Math.multiplyExact(capacity + 2, stride));
        int size = MIN_HOMES;
        while (size < capacity && size < MAX_HOMES) {
            size <<= 1;
        }
        this.homes = new int[size];
    }

    /** {@return the calling thread's entry in {@link #homes}} */
    private int home() {
        return (int) Thread.currentThread().threadId() & (homes.length - 1);
    }

    /** {@return the slot where the thread of {@code home} starts looking} */
    private int start(int home) {
        int hint = homes[home];
        if (hint == 0) {
            // First use: consecutive thread ids (a pool's workers) start on different slots.
            hint = home % Math.max(1, capacity) + 1;
            homes[home] = hint;
        }
        return hint - 1;
    }

    /** Takes an object, searching from the calling thread's home slot, and moves home to where it found one. */
    @Nullable T poll() {
        int home = home();
        int start = start(home);
        int index = start;
        for (int i = 0; i < capacity; i++) {
            int slot = (index + 1) * stride;
            T value = slots.get(slot);
            if (value != null && slots.compareAndSet(slot, value, null)) {
                if (index != start) {
                    homes[home] = index + 1;
                }
                return value;
            }
            if (++index == capacity) {
                index = 0;
            }
        }
        return null;
    }

    /** Puts an object in the first free slot from the calling thread's home; {@return false when every slot is taken} */
    boolean offer(T value) {
        int index = start(home());
        for (int i = 0; i < capacity; i++) {
            int slot = (index + 1) * stride;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, value)) {
                return true;
            }
            if (++index == capacity) {
                index = 0;
            }
        }
        return false;
    }

    int capacity() {
        return capacity;
    }

    /** {@return the object in slot {@code index} now, leaving it there; a hint for scans that then claim it otherwise} */
    @Nullable T peek(int index) {
        return slots.get((index + 1) * stride);
    }

    int count() {
        int count = 0;
        for (int i = 0; i < capacity; i++) {
            if (slots.get((i + 1) * stride) != null) {
                count++;
            }
        }
        return count;
    }

    List<T> drain() {
        List<T> drained = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            T value = slots.getAndSet((i + 1) * stride, null);
            if (value != null) {
                drained.add(value);
            }
        }
        return drained;
    }
}
