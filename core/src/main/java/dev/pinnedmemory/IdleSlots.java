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
     * Where each thread (by the low bits of its id) starts looking, as an index into {@link #slots};
     * 0 (the padding before the first slot) until the thread's first poll or offer sets it to its id
     * modulo the capacity. Written only when that moves.
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

    /**
     * Takes an object, first from the calling thread's home slot, else searching on from there, and
     * moves home to where it found one. The first look is apart from the search, so a hit at home
     * (the steady state of a thread that returns what it rents) costs one read and one
     * compare-and-set.
     */
    @Nullable T poll() {
        int home = home();
        int slot = homes[home];
        if (slot != 0) {
            T value = slots.get(slot);
            if (value != null && slots.compareAndSet(slot, value, null)) {
                return value;
            }
        }
        return search(home, slot);
    }

    private @Nullable T search(int home, int from) {
        int start = from != 0 ? from : firstHome(home);
        int slot = start;
        for (int i = 0; i < capacity; i++) {
            T value = slots.get(slot);
            if (value != null && slots.compareAndSet(slot, value, null)) {
                if (slot != from) {
                    homes[home] = slot;
                }
                return value;
            }
            slot = next(slot);
        }
        return null;
    }

    /** Puts an object in the calling thread's home slot if free, else in the next free one; {@return false when every slot is taken} */
    boolean offer(T value) {
        int slot = homes[home()];
        if (slot != 0 && slots.get(slot) == null && slots.compareAndSet(slot, null, value)) {
            return true;
        }
        int start = slot != 0 ? slot : firstHome(home());
        slot = start;
        for (int i = 0; i < capacity; i++) {
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, value)) {
                return true;
            }
            slot = next(slot);
        }
        return false;
    }

    /** {@return the slot a thread of {@code home} starts at: its id modulo the capacity} (consecutive ids start apart) */
    private int firstHome(int home) {
        if (capacity == 0) {
            return stride;   // not kept: a set of no slots has no home, and its searches look nowhere
        }
        int slot = (home % capacity + 1) * stride;
        homes[home] = slot;
        return slot;
    }

    /** {@return the slot after {@code slot}, wrapping after the last} */
    private int next(int slot) {
        slot += stride;
        return slot > capacity * stride ? stride : slot;
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
