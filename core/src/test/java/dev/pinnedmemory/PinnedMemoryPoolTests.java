package dev.pinnedmemory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedMemoryPoolTests {

    private static PinnedMemoryPool.Builder<float[]> floats(int bufferSize) {
        return PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(bufferSize).backend(Backends.MLOCK).name("test");
    }

    @Test
    void rentShouldMissOnAnEmptyPoolAndHitOnceABufferCameBack() {
        try (PinnedMemoryPool<float[]> pool = floats(256).build()) {
            PinnedBuffer<float[]> first = pool.rent();
            assertThat(first.length()).isEqualTo(256);
            assertThat(first.isPinned()).isTrue();
            long address = first.address();
            pool.returnBuffer(first);
            PinnedBuffer<float[]> second = pool.rent();
            assertThat(second).as("a new lease").isNotSameAs(first);
            assertThat(second.address()).as("on the same memory").isEqualTo(address);
            PoolStats stats = pool.stats();
            assertThat(stats.rents()).isEqualTo(2);
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.hits()).isEqualTo(1);
            assertThat(stats.returns()).isEqualTo(1);
            assertThat(stats.inUse()).isEqualTo(1);
            assertThat(stats.idle()).isZero();
            assertThat(stats.allocated()).isEqualTo(1);
            assertThat(stats.pinnedBytes()).isEqualTo(1024);
            assertThat(stats.bufferBytes()).isEqualTo(1024);
            assertThat(stats.elementType()).isEqualTo("FLOAT");
            assertThat(stats.pageLocked()).isTrue();
            second.close();
        }
    }

    @Test
    void initialSizeShouldBeAllocatedAndLockedUpFront() {
        long before = LockedMemory.lockedKb();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .initialSize(3).maxSize(5).backend(Backends.MLOCK).build()) {
            assertThat(pool.stats().idle()).isEqualTo(3);
            assertThat(pool.stats().pinnedBytes()).isEqualTo(3L << 20);
            assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(3 * 1024);
            PinnedBuffer<byte[]> buffer = pool.rent();
            assertThat(pool.stats().hits()).isEqualTo(1);
            buffer.close();
        }
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }

    @Test
    void idleBuffersShouldNeverExceedMaxSize() {
        try (PinnedMemoryPool<float[]> pool = floats(64).maxSize(2).build()) {
            List<PinnedBuffer<float[]>> rented = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rented.add(pool.rent());
            }
            rented.forEach(PinnedBuffer::close);
            PoolStats stats = pool.stats();
            assertThat(stats.idle()).isEqualTo(2);
            assertThat(stats.dropped()).isEqualTo(3);
            assertThat(stats.allocated()).isEqualTo(2);
            assertThat(stats.pinnedBytes()).isEqualTo(2 * 256);
            assertThat(rented.get(4).isPinned()).isFalse();
        }
    }

    @Test
    void clearOnReturnShouldZeroTheBufferBeforeItIsRentedAgain() {
        try (PinnedMemoryPool<float[]> pool = floats(4).build()) {
            PinnedBuffer<float[]> buffer = pool.rent();
            long address = buffer.address();
            buffer.fill(7f);
            buffer.close();
            try (PinnedBuffer<float[]> again = pool.rent()) {
                assertThat(again.address()).isEqualTo(address);
                assertThat(again.toArray()).containsExactly(0f, 0f, 0f, 0f);
            }
        }
    }

    @Test
    void withoutClearOnReturnTheContentsShouldSurvive() {
        try (PinnedMemoryPool<float[]> pool = floats(4).clearOnReturn(false).build()) {
            PinnedBuffer<float[]> buffer = pool.rent();
            buffer.fill(7f);
            buffer.close();
            try (PinnedBuffer<float[]> again = pool.rent()) {
                assertThat(again.toArray()).containsExactly(7f, 7f, 7f, 7f);
                assertThat(pool.stats().clearOnReturn()).isFalse();
            }
        }
    }

    @Test
    void resizeWithBuffersRentedShouldFreeOldSizeBuffersWhenTheyComeBackAndNeverHandThemOut() {
        try (PinnedMemoryPool<float[]> pool = floats(16).initialSize(1).maxSize(4).build()) {
            PinnedBuffer<float[]> old = pool.rent();
            PinnedBuffer<float[]> oldToo = pool.rent();
            pool.resize(32);
            assertThat(pool.bufferSize()).isEqualTo(32);
            assertThat(pool.stats().idle()).isEqualTo(1);
            assertThat(pool.stats().bufferBytes()).isEqualTo(128);
            old.close();
            assertThat(old.isPinned()).isFalse();
            assertThat(pool.stats().dropped()).isEqualTo(1);
            PinnedBuffer<float[]> fresh = pool.rent();
            PinnedBuffer<float[]> fresh2 = pool.rent();
            assertThat(fresh.length()).isEqualTo(32);
            assertThat(fresh2.length()).isEqualTo(32);
            oldToo.close();
            fresh.close();
            fresh2.close();
            PoolStats stats = pool.stats();
            assertThat(stats.idle()).isEqualTo(2);
            assertThat(stats.inUse()).isZero();
            assertThat(stats.pinnedBytes()).isEqualTo(2 * 128);
            assertThatThrownBy(oldToo::segment).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void resizeShouldRejectNonPositiveSizes() {
        try (PinnedMemoryPool<float[]> pool = floats(16).build()) {
            assertThatThrownBy(() -> pool.resize(0)).isInstanceOfSatisfying(InvalidPoolSettingException.class, e -> {
                assertThat(e).hasMessage("bufferSize must be positive but was 0");
                assertThat(e.field()).isEqualTo("bufferSize");
                assertThat(e.expected()).isEqualTo("a positive number of float elements");
            });
            assertThatThrownBy(() -> pool.resize(-3)).isInstanceOf(InvalidPoolSettingException.class)
                    .hasMessage("bufferSize must be positive but was -3");
            assertThat(pool.bufferSize()).isEqualTo(16);
        }
    }

    @Test
    void returningTwiceShouldThrowAndLeaveThePoolIntact() {
        try (PinnedMemoryPool<float[]> pool = floats(8).build()) {
            PinnedBuffer<float[]> buffer = pool.rent();
            pool.returnBuffer(buffer);
            assertThatThrownBy(() -> pool.returnBuffer(buffer)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already returned");
            assertThatThrownBy(buffer::segment).isInstanceOf(IllegalStateException.class)
                    .hasMessage("buffer of 8 FLOAT elements from pool 'test' was closed and may not be used");
            buffer.close();
            PoolStats stats = pool.stats();
            assertThat(stats.returns()).isEqualTo(1);
            assertThat(stats.idle()).isEqualTo(1);
            assertThat(stats.inUse()).isZero();
            try (PinnedBuffer<float[]> again = pool.rent()) {
                assertThat(pool.stats().hits()).isEqualTo(1);
                assertThat(again.isPinned()).isTrue();
            }
        }
    }

    @Test
    void aForeignBufferShouldBeRefused() {
        try (PinnedMemoryPool<float[]> pool = floats(8).build();
             PinnedMemoryPool<float[]> other = floats(8).name("other").build();
             PinnedBuffer<float[]> standalone = PinnedBuffer.allocate(ElementType.FLOAT, 8)) {
            PinnedBuffer<float[]> foreign = other.rent();
            assertThatThrownBy(() -> pool.returnBuffer(foreign)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not rented from pool 'test'");
            assertThatThrownBy(() -> pool.returnBuffer(standalone)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.returnBuffer(null)).isInstanceOf(NullPointerException.class);
            assertThat(foreign.isPinned()).isTrue();
            assertThat(pool.stats().returns()).isZero();
            foreign.close();
            assertThat(other.stats().idle()).isEqualTo(1);
        }
    }

    @Test
    void closeShouldFreeIdleNowAndRentedOnReturnAndRefuseRents() {
        long before = LockedMemory.lockedKb();
        PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .initialSize(2).backend(Backends.MLOCK).build();
        PinnedBuffer<byte[]> rented = pool.rent();
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.stats().idle()).isZero();
        assertThat(pool.stats().inUse()).isEqualTo(1);
        assertThat(LockedMemory.lockedKb() - before).isBetween(1024L, 1100L);
        assertThatThrownBy(pool::rent).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> pool.resize(4)).isInstanceOf(IllegalStateException.class);
        pool.returnBuffer(rented);
        assertThat(rented.isPinned()).isFalse();
        assertThat(pool.stats().pinnedBytes()).isZero();
        assertThat(pool.stats().dropped()).isEqualTo(1);
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
        assertThatThrownBy(() -> pool.returnBuffer(rented)).isInstanceOf(IllegalStateException.class);
        pool.close();
    }

    @Test
    void constructorsShouldApplyTheSpecificationDefaults() {
        try (PinnedMemoryPool<int[]> pool = new PinnedMemoryPool<>(ElementType.INT, 10)) {
            PoolStats stats = pool.stats();
            assertThat(stats.initialSize()).isZero();
            assertThat(stats.maxSize()).isEqualTo(20);
            assertThat(stats.clearOnReturn()).isTrue();
            assertThat(stats.bufferLength()).isEqualTo(10);
        }
        try (PinnedMemoryPool<int[]> pool = new PinnedMemoryPool<>(ElementType.INT, 10, 2, 3)) {
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(pool.stats().maxSize()).isEqualTo(3);
        }
    }

    @Test
    void badSettingsShouldNameTheValueAndTheRule() {
        assertThatThrownBy(() -> new PinnedMemoryPool<>(ElementType.INT, 0))
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("bufferSize must be positive but was 0");
        assertThatThrownBy(() -> new PinnedMemoryPool<>(ElementType.INT, 8, 0, -1))
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("maxSize must be 0 to 65536 but was -1");
        assertThatThrownBy(() -> new PinnedMemoryPool<>(ElementType.INT, 8, 21, 20))
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("initialSize must be at most maxSize (20) but was 21");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(8).warmupThreads(0).build())
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("warmupThreads must be at least 1 but was 0");
        assertThatThrownBy(() -> PinnedMemoryPool.builder(ElementType.INT).bufferSize(8).name(" ").build())
                .isInstanceOf(InvalidPoolSettingException.class).hasMessage("name must not be blank but was ' '");
    }

    @Test
    void maxSizeZeroShouldFreeEveryReturn() {
        try (PinnedMemoryPool<float[]> pool = floats(8).maxSize(0).build()) {
            pool.rent().close();
            pool.rent().close();
            assertThat(pool.stats().misses()).isEqualTo(2);
            assertThat(pool.stats().dropped()).isEqualTo(2);
            assertThat(pool.stats().pinnedBytes()).isZero();
        }
    }

    @Test
    void parallelWarmupShouldAllocateEveryInitialBuffer() {
        long before = LockedMemory.lockedKb();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(256 << 10)
                .initialSize(8).maxSize(8).warmupThreads(3).backend(Backends.MLOCK).build()) {
            assertThat(pool.stats().idle()).isEqualTo(8);
            assertThat(LockedMemory.lockedKb() - before).isGreaterThanOrEqualTo(8 * 256);
        }
        assertThat(LockedMemory.lockedKb()).isEqualTo(before);
    }
}
