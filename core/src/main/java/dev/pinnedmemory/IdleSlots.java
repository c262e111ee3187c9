package dev.pinnedmemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free, allocation-free set of idle objects: one compare-and-set per offer or
 * poll. Each thread starts its search at the slot of its id modulo the capacity, so threads that
 * rent and return mostly touch their own cache line and get back the buffer they used last (still warm
 * in cache). Thread-safe.
 */
final class IdleSlots<T> {

    /** References per slot: 16 compressed references are 64 bytes, one cache line. */
    private static final int PADDED_STRIDE = 16;
    private static final int PADDING_LIMIT = 1024;

    private final AtomicReferenceArray<T> slots;
    private final int capacity;
    private final int stride;

    IdleSlots(int capacity) {
        this.capacity = capacity;
        this.stride = capacity <= PADDING_LIMIT ? PADDED_STRIDE : 1;
        this.slots = new AtomicReferenceArray<>(Math.max(1, capacity * stride));
    }

    int start() {
        if (capacity <= 1) {
            return 0;
        }
        // Not hashed: the threads of a pool are created together with consecutive ids, which a
        // plain remainder spreads over distinct slots (a hash would collide at random).
        return (int) (Thread.currentThread().threadId() % capacity);
    }

    T poll(int start) {
        int index = start;
        for (int i = 0; i < capacity; i++) {
            int slot = index * stride;
            T value = slots.get(slot);
            if (value != null && slots.compareAndSet(slot, value, null)) {
                return value;
            }
            if (++index == capacity) {
                index = 0;
            }
        }
        return null;
    }

    boolean offer(T value, int start) {
        int index = start;
        for (int i = 0; i < capacity; i++) {
            int slot = index * stride;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, value)) {
                return true;
            }
            if (++index == capacity) {
                index = 0;
            }
        }
        return false;
    }

    int count() {
        int count = 0;
        for (int i = 0; i < capacity; i++) {
            if (slots.get(i * stride) != null) {
                count++;
            }
        }
        return count;
    }

    List<T> drain() {
        List<T> drained = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            T value = slots.getAndSet(i * stride, null);
            if (value != null) {
                drained.add(value);
            }
        }
        return drained;
    }
}
