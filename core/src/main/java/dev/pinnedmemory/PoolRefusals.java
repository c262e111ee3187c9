package dev.pinnedmemory;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * The exceptions a pool's engine refuses with, each naming the pool, the value and the limit: a
 * closed pool, a length out of range, a budget that refused (at once, after a wait or for the
 * initial buffers) and a wait interrupted. Immutable; thread-safe.
 */
final class PoolRefusals {

    private final String who;
    private final PoolSettings<?> settings;
    private final MemoryBudget budget;
    private final Supplier<PoolShape> shape;

    PoolRefusals(String who, PoolSettings<?> settings, MemoryBudget budget, Supplier<PoolShape> shape) {
        this.who = who;
        this.settings = settings;
        this.budget = budget;
        this.shape = shape;
    }

    IllegalStateException closed() {
        return new IllegalStateException(who + " is closed");
    }

    IllegalArgumentException length(int length, PoolShape current) {
        return new IllegalArgumentException("length: " + length + " (expected: 1 to " + current.maxLength()
                + ", the buffer size of " + who + ", in " + settings.type() + " elements)");
    }

    /** {@return the refusal of the {@code needed} bytes of a pool's initial buffers} */
    MemoryBudgetExceededException initial(long needed) {
        return new MemoryBudgetExceededException(needed, budget.usedBytes(), budget.limitBytes(), settings.name(), true);
    }

    /** {@return the refusal of a rent of {@code length} elements ({@link PoolEngine#FULL} too), after {@code waited} if it waited} */
    MemoryBudgetExceededException budget(int length, @Nullable Duration waited) {
        PoolShape current = shape.get();
        long bytes = current.classFor(length == PoolEngine.FULL ? current.maxLength()
                : Math.min(length, current.maxLength())).bytes;
        return waited == null
                ? new MemoryBudgetExceededException(bytes, budget.usedBytes(), budget.limitBytes(), settings.name(), false)
                : new MemoryBudgetExceededException(bytes, budget.usedBytes(), budget.limitBytes(), waited, settings.name());
    }

    PinnedMemoryException interrupted(int length, InterruptedException cause) {
        int asked = length == PoolEngine.FULL ? shape.get().maxLength() : length;
        return new PinnedMemoryException(who + ": interrupted while waiting for memory for a buffer of " + asked + " "
                + settings.type() + " elements", (long) asked * settings.type().byteSize(), cause);
    }
}
