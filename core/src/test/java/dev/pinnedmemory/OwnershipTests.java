package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One holder per buffer: every rent is a lease of its own, and nothing done through a lease that
 * ended (a late close, a second return, a kept segment) reaches memory that someone rents now.
 * Each test starts from a repro that broke the pool before leases existed.
 */
class OwnershipTests {

    private static PinnedMemoryPool<int[]> pool(int maxSize) {
        return PinnedMemoryPool.builder(ElementType.INT).bufferSize(16).maxSize(maxSize).backend(Backends.MLOCK)
                .name("owned").build();
    }

    @Test
    void aLateCloseByAnEarlierHolderShouldNeverGiveAwayTheCurrentRentersBuffer() {
        try (PinnedMemoryPool<int[]> pool = pool(1)) {
            PinnedBuffer<int[]> first = pool.rent();
            first.close();
            PinnedBuffer<int[]> second = pool.rent();
            second.fill(2);
            first.close();                              // a late, second close by the first holder
            PinnedBuffer<int[]> third = pool.rent();    // must not be handed second's memory
            third.fill(3);
            assertThat(second.toArray()).containsOnly(2);
            assertThat(third.address()).isNotEqualTo(second.address());
            assertThat(pool.stats().inUse()).isEqualTo(2);
            second.close();
            third.close();
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void everyAccessThroughAClosedLeaseShouldThrowNamingThePool() {
        try (PinnedMemoryPool<int[]> pool = pool(1)) {
            PinnedBuffer<int[]> stale = pool.rent();
            stale.close();
            PinnedBuffer<int[]> current = pool.rent();
            current.fill(5);
            List<Consumer<PinnedBuffer<int[]>>> uses = List.of(PinnedBuffer::segment, PinnedBuffer::address,
                    PinnedBuffer::toArray, b -> b.fill(9), b -> b.copyFrom(new int[16]), b -> b.copyFrom(new int[20], 4),
                    b -> b.copyFrom(MemorySegment.ofArray(new int[16])), b -> b.copyTo(new int[16]),
                    b -> b.copyTo(new int[20], 4), b -> b.copyTo(MemorySegment.ofArray(new int[16])));
            for (Consumer<PinnedBuffer<int[]>> use : uses) {
                assertThatThrownBy(() -> use.accept(stale)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("pool 'owned'").hasMessageContaining("closed");
            }
            assertThat(stale.isPinned()).isFalse();
            assertThat(current.isPinned()).isTrue();
            assertThat(current.toArray()).containsOnly(5);
            current.close();
        }
    }

    @Test
    void returningAStaleLeaseShouldThrowAndLeaveTheCurrentRenterAlone() {
        try (PinnedMemoryPool<int[]> pool = pool(1)) {
            PinnedBuffer<int[]> stale = pool.rent();
            pool.returnBuffer(stale);
            PinnedBuffer<int[]> current = pool.rent();
            for (int rents = 0; rents < 100; rents++) {
                assertThatThrownBy(() -> pool.returnBuffer(stale)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already returned to pool 'owned'");
                stale.close();
                stale.unpin();
            }
            assertThat(current.isPinned()).isTrue();
            assertThat(pool.stats().inUse()).isEqualTo(1);
            assertThat(pool.stats().idle()).isZero();
            current.close();
        }
    }

    @Test
    void aWriteThroughASegmentKeptAfterCloseShouldNeverReachTheNextRenter() {
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(16).maxSize(1)
                .backend(Backends.MLOCK).name("kept").build()) {
            PinnedBuffer<float[]> buffer = pool.rent();
            MemorySegment kept = buffer.segment();
            buffer.close();
            kept.set(ValueLayout.JAVA_FLOAT, 0, 42f);   // the documented escape hatch, misused
            try (PinnedBuffer<float[]> next = pool.rent()) {
                assertThat(next.toArray()).as("clear-on-return zeroes what the next renter sees").containsOnly(0f);
            }
        }
    }

    @Test
    void lateClosesFromAnotherThreadShouldNeverMakeTwoRentersShareABuffer() throws Exception {
        try (PinnedMemoryPool<int[]> pool = pool(2)) {
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicReference<PinnedBuffer<int[]>> lastClosed = new AtomicReference<>();
            AtomicBoolean done = new AtomicBoolean();
            CountDownLatch renters = new CountDownLatch(2);
            List<Thread> threads = new ArrayList<>();
            for (int id = 1; id <= 2; id++) {
                int owner = id;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 20_000; i++) {
                            PinnedBuffer<int[]> buffer = pool.rent();
                            buffer.fill(owner);
                            for (int value : buffer.toArray()) {
                                if (value != owner) {
                                    throw new AssertionError("renter " + owner + " saw " + value + " in its buffer");
                                }
                            }
                            buffer.close();
                            lastClosed.set(buffer);
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        renters.countDown();
                    }
                }));
            }
            threads.add(Thread.ofPlatform().start(() -> {
                while (renters.getCount() > 0) {
                    PinnedBuffer<int[]> stale = lastClosed.get();
                    if (stale != null) {
                        stale.close();
                    }
                }
                done.set(true);
            }));
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(done).isTrue();
            assertThat(failures).isEmpty();
            assertThat(pool.stats().inUse()).isZero();
            assertThat(pool.stats().rents()).isEqualTo(40_000);
        }
    }


}
