package dev.pinnedmemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * An arena that reports how long its {@link #close()} took: for backends that give memory back
 * only when the arena closes ({@code cuda}: {@code cudaFreeHost}), that is the backend's free.
 * Delegates everything else. Thread-safe as its delegate (a shared arena).
 */
final class TimedArena implements Arena {

    private final Arena delegate;
    private final LongSupplier clock;
    private final LongConsumer closed;

    TimedArena(Arena delegate, LongSupplier clock, LongConsumer closed) {
        this.delegate = delegate;
        this.clock = clock;
        this.closed = closed;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return delegate.allocate(byteSize, byteAlignment);
    }

    @Override
    public MemorySegment.Scope scope() {
        return delegate.scope();
    }

    @Override
    public void close() {
        long start = clock.getAsLong();
        delegate.close();
        closed.accept(clock.getAsLong() - start);
    }
}
