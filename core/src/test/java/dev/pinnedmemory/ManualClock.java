package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A nanosecond clock that moves only when told, for timers and fence ages without sleeping; and a
 * backend over another one whose allocations and frees take a fixed time on that clock.
 */
final class ManualClock implements LongSupplier {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long getAsLong() {
        return now.get();
    }

    void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    /**
     * {@return a backend over {@code delegate} whose allocate takes {@code allocate} and whose free
     * (the arena's close, as with {@code cudaFreeHost}) takes {@code free} on this clock}
     */
    PageLockingBackend slowBackend(PageLockingBackend delegate, Duration allocate, Duration free) {
        return new PageLockingBackend() {
            @Override
            public String name() {
                return "slow-" + delegate.name();
            }

            @Override
            public boolean pageLocked() {
                return delegate.pageLocked();
            }

            @Override
            public MemorySegment allocate(long bytes, Arena arena) {
                advance(allocate);
                return delegate.allocate(bytes, arena).reinterpret(arena, ignored -> advance(free));
            }

            @Override
            public boolean releasesMemoryOnDecommit() {
                return false;
            }
        };
    }
}
