package dev.pinnedmemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PinnedBuffer#narrow}: a full-size lease handed on, without a copy, as a lease of what
 * arrived; the memory goes back once, whole, and what the first holder wrote is still cleared.
 */
class PinnedBufferNarrowTests {

    private static PinnedMemoryPool<int[]> pool() {
        return PinnedMemoryPool.builder(ElementType.INT).bufferSize(1024).backend(Backends.MLOCK).name("narrow").build();
    }

    @Test
    void narrowShouldKeepTheContentsInPlaceAndEndTheFirstLease() {
        try (PinnedMemoryPool<int[]> pool = pool()) {
            PinnedBuffer<int[]> full = pool.rent();
            full.copyFrom(new int[] {7, 8, 9, 10});
            long address = full.address();

            try (PinnedBuffer<int[]> narrowed = full.narrow(3)) {
                assertThat(narrowed.length()).isEqualTo(3);
                assertThat(narrowed.byteSize()).isEqualTo(12);
                assertThat(narrowed.address()).as("no copy").isEqualTo(address);
                assertThat(narrowed.toArray()).containsExactly(7, 8, 9);
                assertThat(full.isPinned()).isFalse();
                assertThatThrownBy(full::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("was closed");
                assertThat(pool.stats().inUse()).isEqualTo(1);
            }
            PoolStats after = pool.stats();
            assertThat(after.inUse()).isZero();
            assertThat(after.rents()).isEqualTo(1);
            assertThat(after.returns()).as("the memory went back once").isEqualTo(1);
            assertThat(after.idle()).isEqualTo(1);
            full.close();   // the first lease ended in narrow: a no-op
            assertThat(pool.stats().returns()).isEqualTo(1);
        }
    }

    @Test
    void narrowToTheFullLengthShouldStillHandOnANewLease() {
        try (PinnedMemoryPool<int[]> pool = pool(); PinnedBuffer<int[]> full = pool.rent()) {
            PinnedBuffer<int[]> same = full.narrow(1024);

            assertThat(same).isNotSameAs(full);
            assertThat(same.length()).isEqualTo(1024);
            same.close();
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void narrowShouldRefuseLengthsOutsideTheBufferNamingTheLimit() {
        try (PinnedMemoryPool<int[]> pool = pool(); PinnedBuffer<int[]> full = pool.rent()) {
            assertThatThrownBy(() -> full.narrow(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("narrow: length 0 (expected: 1 to 1024, the length of this buffer, in INT elements)");
            assertThatThrownBy(() -> full.narrow(1025)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("length 1025");
            assertThat(full.isPinned()).as("a refused narrow keeps the lease").isTrue();
        }
    }

    @Test
    void narrowAfterCloseShouldThrowAndHandNothingOn() {
        try (PinnedMemoryPool<int[]> pool = pool()) {
            PinnedBuffer<int[]> full = pool.rent();
            full.close();

            assertThatThrownBy(() -> full.narrow(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("narrow came too late");
            assertThat(pool.stats().returns()).isEqualTo(1);
            assertThat(pool.stats().inUse()).isZero();
        }
    }

    @Test
    void whatTheFullLeaseWroteShouldBeClearedForTheNextRenterAfterANarrowedClose() {
        try (PinnedMemoryPool<int[]> pool = pool()) {
            PinnedBuffer<int[]> full = pool.rent();
            MemorySegment segment = full.segment();
            segment.set(ValueLayout.JAVA_INT, 1023L * Integer.BYTES, 42);   // past what the narrowed lease covers
            full.narrow(1).close();

            try (PinnedBuffer<int[]> next = pool.rent()) {
                assertThat(next.toArray()).containsOnly(0);
            }
        }
    }

    @Test
    void aNarrowedLeaseReturnedToThePoolShouldStillHaveAllTheFirstHolderWroteCleared() {
        try (PinnedMemoryPool<int[]> pool = pool()) {
            PinnedBuffer<int[]> full = pool.rent();
            full.fill(7);
            pool.returnBuffer(full.narrow(1));

            try (PinnedBuffer<int[]> next = pool.rent()) {
                assertThat(next.toArray()).containsOnly(0);
            }
        }
    }

    @Test
    void closeAfterOnANarrowedLeaseShouldKeepTheMemoryOutUntilTheFenceCompletes() throws InterruptedException {
        try (PinnedMemoryPool<int[]> pool = pool()) {
            CompletableFuture<Void> copy = new CompletableFuture<>();
            pool.rent().narrow(10).closeAfter(TransferFence.of(copy));

            assertThat(pool.stats().fenced()).isEqualTo(1);
            assertThat(pool.stats().idle()).isZero();
            try (PinnedBuffer<int[]> meanwhile = pool.rent()) {
                assertThat(pool.stats().misses()).as("fenced memory is not rented out: a new buffer").isEqualTo(2);
            }
            copy.complete(null);
            TransferFenceTests.awaitFenced(pool, 0);   // the reclaimer's next poll hands it back
            assertThat(pool.stats().allocated()).isEqualTo(2);
            assertThat(pool.stats().idle()).isEqualTo(2);
        }
    }
}
