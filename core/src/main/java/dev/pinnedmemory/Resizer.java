package dev.pinnedmemory;

import dev.pinnedmemory.SizeClasses.SizeClass;
import dev.pinnedmemory.backend.PageLockingBackend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Warm-up and resize of a pool, within a reservation that is taken from the budget in one atomic
 * step, so neither can ever take the budget over its limit, and a resize that cannot fit is
 * refused before anything is freed.
 *
 * <p>A resize takes the idle buffers of the old size out of reach, reserves what the new
 * {@code initialSize} buffers need beyond their bytes, frees them (on this thread, so their memory
 * is back with the operating system before new memory is locked: locked-memory limits are tight),
 * keeps their budget bytes, allocates the new buffers from that reservation, and then publishes
 * the new shape; whatever is left of the reservation goes back to the budget. If the budget
 * refuses, the old idle buffers go back and nothing has changed. If the backend refuses during the
 * warm-up, the new buffers are freed and the pool keeps its old size, without idle buffers (rents
 * allocate again on demand). Knows only the pool's settings, its budget, where buffers come from
 * and go, and the shape it reads and publishes. Runs under the pool's
 * lifecycle lock (the engine takes it); not thread-safe on its own.
 */
final class Resizer<A> {

    private final PoolSettings<A> settings;
    private final MemoryBudget budget;
    /** Where the memory comes from: warm-up threads allocate as the calling thread would ({@link Warmup}). */
    private final PageLockingBackend backend;
    /** Allocates a buffer of a class from bytes already reserved. */
    private final Function<SizeClass, NativeBlock.Anchor> allocate;
    /** Frees a buffer that could not go back to its idle slots, counting it as dropped. */
    private final Consumer<NativeBlock> drop;
    /** The shape renters see: read at the start of a resize, published at its end. */
    private final Supplier<SizeClasses> current;
    private final Consumer<SizeClasses> publish;

    Resizer(PoolSettings<A> settings, MemoryBudget budget, PageLockingBackend backend,
            Function<SizeClass, NativeBlock.Anchor> allocate, Consumer<NativeBlock> drop, Supplier<SizeClasses> current,
            Consumer<SizeClasses> publish) {
        this.settings = settings;
        this.budget = budget;
        this.backend = backend;
        this.allocate = allocate;
        this.drop = drop;
        this.current = current;
        this.publish = publish;
    }

    /**
     * Allocates {@code initialSize} buffers of {@code shape}'s largest class into its idle slots
     * from {@code reserved} bytes already taken from the budget; what is not used goes back.
     *
     * @throws PinnedMemoryException if the backend refuses; every buffer made is freed and the
     *     whole reservation returned
     */
    void warm(SizeClasses shape, long reserved) {
        SizeClass target = shape.largest;
        int count = settings.initialSize();
        AtomicLong left = new AtomicLong(reserved);
        List<NativeBlock.Anchor> made = Collections.synchronizedList(new ArrayList<>(count));
        try {
            Runnable one = () -> {
                left.addAndGet(-target.bytes);
                made.add(allocate.apply(target));
            };
            int threads = Math.min(settings.warmupThreads(), count);
            if (threads <= 1) {
                for (int i = 0; i < count; i++) {
                    one.run();
                }
            } else {
                Warmup.run(backend, threads, count, one);
            }
        } catch (RuntimeException | Error e) {
            for (NativeBlock.Anchor anchor : made) {
                PooledBlock.of(anchor).budgetTransferred = true;
                anchor.block.freeNow();
            }
            budget.release(reserved);
            throw e;
        }
        for (NativeBlock.Anchor anchor : made) {
            anchor.block.transition(NativeBlock.IN_USE, NativeBlock.IDLE);
            if (!target.idle.offer(anchor)) {
                anchor.block.free();
            }
        }
        budget.release(left.get());
    }

    /**
     * Switches the pool to buffers of {@code newLength} elements.
     *
     * @throws MemoryBudgetExceededException if the new initial buffers cannot fit even with the old
     *     idle ones given back, or one buffer of the new size is larger than the whole budget; nothing
     *     has changed
     * @throws PinnedMemoryException if the backend refuses; the pool keeps its old size
     */
    void resize(int newLength) {
        SizeClasses old = current.get();
        SizeClasses next = SizeClasses.of(old.generation + 1, settings.type(), settings.minBufferLength(), newLength,
                settings.maxSize());
        long needed = PoolSettings.initialBytes(settings.initialSize(), newLength, settings.type());
        long largest = next.largest.bytes;
        if (settings.initialSize() == 0 && budget.limitBytes() != 0 && largest > budget.limitBytes()) {
            // Nothing is reserved for initialSize 0, but no rent of the new size could ever be served. (With
            // initial buffers the reservation below refuses it: they alone are over the limit.)
            throw new MemoryBudgetExceededException(largest, budget.usedBytes(), budget.limitBytes(), 0,
                    settings.name());
        }
        // Reserve first, counting the idle buffers as given back, so a refusal touches nothing.
        long estimate = 0;
        for (SizeClass sizeClass : old.classes) {
            estimate += sizeClass.idle.count() * sizeClass.bytes;
        }
        long reserved = Math.max(0, needed - estimate);
        if (reserved > 0 && !budget.tryReserve(reserved)) {
            throw new MemoryBudgetExceededException(needed, budget.usedBytes(), budget.limitBytes(), estimate,
                    settings.name());
        }
        List<NativeBlock.Anchor> oldIdle = old.drainIdle();
        long reclaimable = 0;
        for (NativeBlock.Anchor anchor : oldIdle) {
            reclaimable += anchor.block.bytes;
        }
        long shortfall = needed - reclaimable - reserved;
        if (shortfall > 0 && !budget.tryReserve(shortfall)) {
            // Renters took some of the idle buffers meanwhile and the rest does not cover it: undo.
            for (NativeBlock.Anchor anchor : oldIdle) {
                if (!PooledBlock.of(anchor).sizeClass.idle.offer(anchor)) {
                    drop.accept(anchor.block);
                }
            }
            budget.release(reserved);
            budget.signalWaiters();
            throw new MemoryBudgetExceededException(needed, budget.usedBytes(), budget.limitBytes(), reclaimable,
                    settings.name());
        }
        reserved += Math.max(0, shortfall);
        for (NativeBlock.Anchor anchor : oldIdle) {
            PooledBlock.of(anchor).budgetTransferred = true;
            anchor.block.freeNow();
        }
        warm(next, reserved + reclaimable);
        publish.accept(next);
        budget.signalWaiters();
        // Returns that raced into the old idle slots between the drain and the publication.
        for (SizeClass sizeClass : old.classes) {
            for (NativeBlock.Anchor anchor : sizeClass.idle.drain()) {
                anchor.block.free();
            }
        }
    }
}
