package dev.pinnedmemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;

/**
 * A bounded, lock-free, allocation-free set of idle objects: one compare-and-set per offer or
 * poll. Each thread has a home slot (kept by the caller, one per thread), where its searches start:
 * at first its id modulo the capacity, then wherever its last poll succeeded. Two threads that
 * start on the same slot thus part after one collision and from then on touch only their own cache
 * line, and each gets back the buffer it used last (still warm in cache). Thread-safe.
 */
final class IdleSlots<T> {

    /** References per slot: 16 compressed references are 64 bytes, one cache line. */
    private static final int PADDED_STRIDE = 16;
    /** Up to this capacity each slot gets a cache line of its own (4 KiB per set at most). */
    private static final int PADDING_LIMIT = 64;

    private final AtomicReferenceArray<T> slots;
    private final int capacity;
    private final int stride;

    IdleSlots(int capacity) {
        this.capacity = capacity;
        this.stride = capacity <= PADDING_LIMIT ? PADDED_STRIDE : 1;
        // One stride of padding before the first slot and after the last: slot 0 would otherwise share
        // a cache line with the array's length, which every bounds-checked access of every thread
        // reads (measured: two threads then moved fewer pairs per second than one, in 7 of 8 layouts).
        this.slots = new AtomicReferenceArray<>(Math.multiplyExact(capacity + 2, stride));
    }

    /** {@return a new home slot holder for the calling thread, to keep and pass to {@link #poll}} */
    static int[] newHome(int capacity) {
        return new int[] {capacity <= 1 ? 0 : (int) (Thread.currentThread().threadId() % capacity)};
    }

    /** Takes an object, searching from the home slot, and moves home to where it found one (read it back from {@code home[0]}). */
    @Nullable T poll(int[] home) {
        int start = home[0] < capacity ? home[0] : 0;
        int index = start;
        for (int i = 0; i < capacity; i++) {
            int slot = (index + 1) * stride;
            T value = slots.get(slot);
            if (value != null && slots.compareAndSet(slot, value, null)) {
                if (index != start) {
                    home[0] = index;
                }
                return value;
            }
            if (++index == capacity) {
                index = 0;
            }
        }
        return null;
    }

    /** Puts an object in the first free slot from {@code start}; {@return false when every slot is taken} */
    boolean offer(T value, int start) {
        int index = start < capacity ? start : 0;
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

    /** Puts an object in the first free slot; for warm-up and resizes, off the hot path. */
    boolean offer(T value) {
        return offer(value, 0);
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
