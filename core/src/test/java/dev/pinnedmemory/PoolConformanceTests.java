package dev.pinnedmemory;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One pool contract, run against every backend this machine has: {@code mlock}, {@code unlocked},
 * and {@code cuda} when a device is present (the cuda rows are absent, not failed, elsewhere).
 */
class PoolConformanceTests {

    private static final Reclaimer RECLAIMER = new Reclaimer("conformance-reclaimer");

    static Stream<Arguments> backends() {
        Stream<Arguments> always = Stream.of(Arguments.of("mlock", Backends.MLOCK),
                Arguments.of("unlocked", Backends.UNLOCKED));
        PageLockingBackend cuda = cudaOrNull();
        return cuda == null ? always : Stream.concat(always, Stream.of(Arguments.of("cuda", cuda)));
    }

    private static PageLockingBackend cudaOrNull() {
        try {
            return PageLockingBackends.select(BackendKind.CUDA, true).backend();
        } catch (RuntimeException noDevice) {
            return null;
        }
    }

    private static PinnedMemoryPool.Builder<int[]> pool(PageLockingBackend backend) {
        return Backends.pool(ElementType.INT, backend, RECLAIMER, new LeakRecorder()).bufferSize(256).maxSize(2)
                .name("conformance-" + backend.name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void rentAndReturnShouldReuseMemoryUnderNewLeasesAndKeepTheBooks(String name, PageLockingBackend backend) {
        try (PinnedMemoryPool<int[]> pool = pool(backend).initialSize(1).build()) {
            PinnedBuffer<int[]> first = pool.rent();
            long address = first.address();
            assertThat(address % 4096).as("page-aligned").isZero();
            first.fill(3);
            first.close();
            try (PinnedBuffer<int[]> second = pool.rent()) {
                assertThat(second).isNotSameAs(first);
                assertThat(second.address()).isEqualTo(address);
                assertThat(second.toArray()).containsOnly(0);
            }
            PoolStats stats = pool.stats();
            assertThat(stats.rents()).isEqualTo(2);
            assertThat(stats.hits()).isEqualTo(2);
            assertThat(stats.returns()).isEqualTo(2);
            assertThat(stats.pageLocked()).isEqualTo(backend.pageLocked());
            assertThat(stats.allocated()).isEqualTo(stats.idle() + stats.inUse() + stats.fenced());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void idleBuffersBeyondMaxSizeAndOldSizesShouldBeFreed(String name, PageLockingBackend backend) throws Exception {
        try (PinnedMemoryPool<int[]> pool = pool(backend).build()) {
            List<PinnedBuffer<int[]>> rented = List.of(pool.rent(), pool.rent(), pool.rent());
            pool.resize(512);
            rented.forEach(PinnedBuffer::close);
            assertThat(pool.stats().dropped()).isEqualTo(3);
            List<PinnedBuffer<int[]>> fresh = List.of(pool.rent(), pool.rent(), pool.rent());
            fresh.forEach(buffer -> assertThat(buffer.length()).isEqualTo(512));
            fresh.forEach(PinnedBuffer::close);
            assertThat(pool.stats().idle()).isEqualTo(2);
            assertThat(pool.stats().dropped()).isEqualTo(4);
        }
        assertThat(RECLAIMER.awaitIdle(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void fencedMemoryShouldStayPutUntilTheFenceCompletes(String name, PageLockingBackend backend) throws Exception {
        try (PinnedMemoryPool<int[]> pool = pool(backend).maxSize(1).build()) {
            PinnedBuffer<int[]> buffer = pool.rent();
            buffer.fill(4);
            var memory = buffer.segment();
            CompletableFuture<Void> copy = new CompletableFuture<>();
            buffer.closeAfter(TransferFence.of(copy));
            try (PinnedBuffer<int[]> other = pool.rent()) {
                assertThat(other.address()).isNotEqualTo(memory.address());
            }
            assertThat(memory.getAtIndex(ValueLayout.JAVA_INT, 255)).isEqualTo(4);
            copy.complete(null);
            TransferFenceTests.awaitFenced(pool, 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closingWithBuffersRentedShouldSayHowManyAndWhereTheyWereRented(String name, PageLockingBackend backend) {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(PinnedMemoryPool.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord logRecord) {
                records.add(logRecord);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            PinnedMemoryPool<int[]> pool = pool(backend).leakDetection(LeakDetectionLevel.PARANOID).build();
            PinnedBuffer<int[]> a = pool.rent();
            PinnedBuffer<int[]> b = pool.rent();
            pool.close();
            assertThat(records).filteredOn(r -> r.getLevel() == Level.WARNING).extracting(LogRecord::getMessage)
                    .anySatisfy(m -> assertThat(m).contains("closed with 2 buffer(s) still rented", "rented at:"));
            assertThat(records).filteredOn(r -> r.getThrown() != null).hasSize(2).allSatisfy(r -> assertThat(
                    r.getThrown()).hasMessageContaining("rented from pinned-memory pool 'conformance-" + backend.name()));
            assertThat(pool.rentSites()).hasSize(2);
            assertThatThrownBy(pool::rent).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            a.close();
            b.close();
            assertThat(pool.stats().pinnedBytes()).isLessThanOrEqualTo(2L * 1024);
        } finally {
            log.removeHandler(capture);
        }
    }
}
