package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolFaultTests {

    private static PinnedMemoryPool<float[]> pool(CountingBackend backend, int initial) {
        return PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(1024).initialSize(initial).maxSize(4)
                .warmupThreads(1).backend(backend).name("faulty").build();
    }

    @Test
    void aRefusedRentShouldSayWhatFailedAndHowMuchAndLeaveThePoolUsable() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<float[]> pool = pool(backend, 0)) {
            PinnedBuffer<float[]> first = pool.rent();
            backend.failOnCall(1, false);
            assertThatThrownBy(pool::rent).isInstanceOf(PinnedMemoryException.class)
                    .hasMessageContaining("pool 'faulty' could not allocate a buffer of 1024 FLOAT elements (4096 bytes)")
                    .hasMessageContaining("ENOMEM")
                    .satisfies(e -> assertThat(((PinnedMemoryException) e).requestedBytes()).isEqualTo(4096));
            PoolStats afterFailure = pool.stats();
            assertThat(afterFailure.rents()).isEqualTo(1);
            assertThat(afterFailure.inUse()).isEqualTo(1);
            assertThat(afterFailure.pinnedBytes()).isEqualTo(4096);
            assertThat(pool.budget().usedBytes()).isEqualTo(4096);
            PinnedBuffer<float[]> second = pool.rent();
            first.close();
            second.close();
            assertThat(pool.stats().idle()).isEqualTo(2);
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.doubleFrees()).isZero();
    }

    @Test
    void aResizeThatFailsHalfwayShouldFreeWhatItAllocatedAndKeepTheOldSize() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        try (PinnedMemoryPool<float[]> pool = pool(backend, 3)) {
            PinnedBuffer<float[]> rented = pool.rent();
            backend.failOnCall(2, false);
            assertThatThrownBy(() -> pool.resize(2048)).isInstanceOf(PinnedMemoryException.class)
                    .hasMessageContaining("2048 FLOAT elements (8192 bytes)");
            PoolStats stats = pool.stats();
            assertThat(stats.bufferLength()).isEqualTo(1024);
            assertThat(stats.idle()).as("the idle buffers were given back before the new ones were locked").isZero();
            assertThat(stats.inUse()).isEqualTo(1);
            assertThat(stats.pinnedBytes()).isEqualTo(4096);
            assertThat(pool.budget().usedBytes()).isEqualTo(4096);
            assertThat(backend.liveBlocks()).isEqualTo(1);
            rented.close();
            PinnedBuffer<float[]> stillOld = pool.rent();
            assertThat(stillOld.length()).isEqualTo(1024);
            pool.resize(2048);
            assertThat(pool.stats().bufferLength()).isEqualTo(2048);
            stillOld.close();
            assertThat(stillOld.isPinned()).isFalse();
        }
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.doubleFrees()).isZero();
    }

    @Test
    void aFailingInitialAllocationShouldFreeTheBuffersAlreadyMade() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK).failOnCall(3, false);
        assertThatThrownBy(() -> pool(backend, 4)).isInstanceOf(PinnedMemoryException.class);
        assertThat(backend.allocations()).isEqualTo(2);
        assertThat(backend.frees()).isEqualTo(2);
        assertThat(backend.liveBlocks()).isZero();
    }

    @Test
    void closingWithBuffersRentedShouldReportThemAndFreeEachExactlyOnceOnReturn() {
        CountingBackend backend = new CountingBackend(Backends.MLOCK);
        PinnedMemoryPool<float[]> pool = pool(backend, 2);
        List<PinnedBuffer<float[]>> rented = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rented.add(pool.rent());
        }
        pool.rent().close();
        pool.close();
        assertThat(pool.stats().inUse()).isEqualTo(3);
        assertThat(backend.liveBlocks()).isEqualTo(3);
        rented.get(0).close();
        rented.get(0).close();
        pool.returnBuffer(rented.get(1));
        assertThatThrownBy(() -> pool.returnBuffer(rented.get(1))).isInstanceOf(IllegalStateException.class);
        rented.get(2).unpin();
        pool.close();
        assertThat(pool.stats().inUse()).isZero();
        assertThat(pool.stats().pinnedBytes()).isZero();
        assertThat(backend.allocations()).isEqualTo(4);
        assertThat(backend.frees()).isEqualTo(4);
        assertThat(backend.doubleFrees()).isZero();
    }
}
