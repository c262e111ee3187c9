package dev.pinnedmemory;

import dev.pinnedmemory.backend.PageLockingBackend;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code clearOnReturn} zeroes idle buffers on the background thread: a rent finds them clean, the
 * background never writes a rented or freed block, and memory an earlier holder wrote (also through
 * a segment kept after close) is never handed out uncleared.
 */
class BackgroundZeroingTests {

    /** Unlocked memory whose raw segments the test can read without going through a lease. */
    private static final class RecordingBackend implements PageLockingBackend {
        final List<MemorySegment> allocated = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public boolean pageLocked() {
            return false;
        }

        @Override
        public MemorySegment allocate(long bytes, Arena arena) {
            MemorySegment segment = Backends.UNLOCKED.allocate(bytes, arena);
            allocated.add(segment);
            return segment;
        }
    }

    private static PinnedMemoryPool<byte[]> pool(PageLockingBackend backend, Reclaimer reclaimer, int bytes, int max,
                                                 boolean strict) {
        return Backends.pool(ElementType.BYTE, backend, reclaimer, new LeakRecorder()).bufferSize(bytes).maxSize(max)
                .strictSegments(strict).name("zeroed").build();
    }

    private static final MemorySegment ZEROS = Arena.global().allocate(1 << 20);

    private static boolean allZero(MemorySegment memory) {
        return MemorySegment.mismatch(memory, 0, memory.byteSize(), ZEROS, 0, memory.byteSize()) == -1;
    }

    @Test
    void aBufferReturnedDirtyShouldBeZeroedInTheBackgroundBeforeAnyoneRentsIt() {
        RecordingBackend backend = new RecordingBackend();
        try (PinnedMemoryPool<byte[]> pool = pool(backend, new Reclaimer("zeroing-reclaimer"), 1 << 20, 1, false)) {
            PinnedBuffer<byte[]> buffer = pool.rent();
            buffer.fill((byte) 7);
            buffer.close();
            MemorySegment raw = backend.allocated.getFirst();
            await().atMost(Duration.ofSeconds(10)).until(() -> allZero(raw));
            try (PinnedBuffer<byte[]> next = pool.rent()) {
                assertThat(next.toArray()).containsOnly((byte) 0);
            }
        }
    }

    @Test
    void aSegmentKeptAfterCloseShouldKeepItsBlockZeroedAtEveryRentEvenLeasesLater() throws Exception {
        Reclaimer reclaimer = new Reclaimer("kept-zeroing-reclaimer");
        try (PinnedMemoryPool<float[]> pool = Backends.pool(ElementType.FLOAT, Backends.MLOCK, reclaimer,
                new LeakRecorder()).bufferSize(4096).maxSize(1).name("kept").build()) {
            PinnedBuffer<float[]> first = pool.rent();
            MemorySegment kept = first.segment();   // the documented escape hatch, kept past the lease
            first.close();
            for (int lease = 0; lease < 3; lease++) {
                try (PinnedBuffer<float[]> later = pool.rent()) {   // never calls segment(): it could not escape
                    assertThat(later.toArray()).containsOnly(0f);
                    later.fill(3f);
                }
                awaitBackgroundCycle(reclaimer);
                kept.set(ValueLayout.JAVA_FLOAT, 4 * 1000, 42f);   // a late write, after any background work
                try (PinnedBuffer<float[]> next = pool.rent(2000)) {
                    assertThat(next.toArray()).as("what the next renter sees is zeroed at rent").containsOnly(0f);
                }
            }
        }
    }

    /** Waits until the background thread finished a whole cycle (so also any zeroing asked for before this call). */
    private static void awaitBackgroundCycle(Reclaimer reclaimer) {
        AtomicLong runs = new AtomicLong();
        reclaimer.every(TimeUnit.MILLISECONDS.toNanos(1), runs, AtomicLong::incrementAndGet);
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 2);
    }

    @Test
    void rentersRacingTheBackgroundShouldAlwaysFindCleanMemoryAndKeepTheirOwnData() throws Exception {
        for (boolean strict : new boolean[] {false, true}) {
            Reclaimer reclaimer = new Reclaimer("racing-zeroing-reclaimer");
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicLong cycles = new AtomicLong();
            int bufferBytes = 256 << 10;
            try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, Backends.UNLOCKED, reclaimer,
                    new LeakRecorder()).bufferSize(bufferBytes).minBufferSize(16 << 10).maxSize(2)
                    .strictSegments(strict).name("racing").build()) {
                List<Thread> renters = new ArrayList<>();
                CountDownLatch done = new CountDownLatch(2);
                for (int id = 1; id <= 2; id++) {
                    byte owner = (byte) id;
                    renters.add(Thread.ofPlatform().start(() -> {
                        try (Arena scratchArena = Arena.ofConfined()) {
                            MemorySegment scratch = scratchArena.allocate(bufferBytes);
                            ThreadLocalRandom random = ThreadLocalRandom.current();
                            for (int i = 0; i < 1_500; i++) {
                                int length = 1 + random.nextInt(bufferBytes);
                                try (PinnedBuffer<byte[]> buffer = pool.rent(length)) {
                                    MemorySegment seen = scratch.asSlice(0, length);
                                    buffer.copyTo(seen);
                                    if (!allZero(seen)) {
                                        throw new AssertionError("rent of " + length + " found memory an earlier holder wrote");
                                    }
                                    buffer.fill(owner);
                                    Thread.onSpinWait();          // the background may run now: it must not touch this
                                    buffer.copyTo(seen);
                                    for (long b = 0; b < length; b += 4093) {
                                        if (seen.get(ValueLayout.JAVA_BYTE, b) != owner) {
                                            throw new AssertionError("a rented buffer was written by someone else at " + b);
                                        }
                                    }
                                    if (random.nextInt(8) == 0) {
                                        buffer.segment();   // exposed from now on: zeroed at rent, never in the background
                                    }
                                }
                                cycles.incrementAndGet();
                            }
                        } catch (Throwable t) {
                            failures.add(t);
                        } finally {
                            done.countDown();
                        }
                    }));
                }
                assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
                assertThat(failures).as("strict=" + strict).isEmpty();
                assertThat(cycles.get()).isEqualTo(3_000);
                assertThat(pool.stats().inUse()).isZero();
            }
            assertThat(reclaimer.failures()).isZero();
        }
    }

    @Test
    void aRenterPollingOneBufferWhileTheBackgroundZeroesItShouldNeverSeeTheBackgroundWriteIt() throws Exception {
        Reclaimer reclaimer = new Reclaimer("polling-zeroing-reclaimer");
        int bytes = 1 << 20;
        try (PinnedMemoryPool<byte[]> pool = pool(Backends.UNLOCKED, reclaimer, bytes, 1, false);
             Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(bytes);
            MemorySegment expected = arena.allocate(bytes);
            for (int i = 0; i < 400; i++) {
                byte mark = (byte) (1 + i % 100);
                expected.fill(mark);
                // Back to back: the background is usually zeroing this very buffer when the next rent takes it.
                try (PinnedBuffer<byte[]> buffer = pool.rent()) {
                    buffer.copyTo(scratch);
                    assertThat(allZero(scratch)).as("rent %d found uncleared memory", i).isTrue();
                    buffer.fill(mark);
                    for (int check = 0; check < 3; check++) {
                        buffer.copyTo(scratch);
                        assertThat(MemorySegment.mismatch(scratch, 0, bytes, expected, 0, bytes))
                                .as("rent %d: the rented buffer was written by someone else", i).isEqualTo(-1);
                    }
                }
            }
            assertThat(pool.stats().hits()).isEqualTo(399);
        }
        assertThat(reclaimer.failures()).isZero();
    }

    @Test
    void closingAndResizingAPoolWhileTheBackgroundZeroesShouldNeverWriteFreedMemory() throws Exception {
        Reclaimer reclaimer = new Reclaimer("closing-zeroing-reclaimer");
        CountingBackend backend = new CountingBackend(Backends.UNLOCKED);
        for (int round = 0; round < 30; round++) {
            PinnedMemoryPool<byte[]> pool = pool(backend, reclaimer, 1 << 20, 4, round % 2 == 0);
            List<PinnedBuffer<byte[]>> rented = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                PinnedBuffer<byte[]> buffer = pool.rent();
                buffer.fill((byte) 1);
                rented.add(buffer);
            }
            rented.forEach(PinnedBuffer::close);   // four 1 MiB blocks for the background to zero
            if (round % 3 == 0) {
                pool.resize(512 << 10);             // frees the idle ones (waiting for a chunk in progress)
            }
            pool.close();
        }
        assertThat(reclaimer.awaitIdle(30, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.liveBlocks()).isZero();
        assertThat(backend.doubleFrees()).isZero();
        assertThat(reclaimer.failures()).isZero();
    }

    @Test
    void aPoolWithoutClearOnReturnShouldNeverBeZeroed() {
        RecordingBackend backend = new RecordingBackend();
        Reclaimer reclaimer = new Reclaimer("no-zeroing-reclaimer");
        try (PinnedMemoryPool<byte[]> pool = Backends.pool(ElementType.BYTE, backend, reclaimer, new LeakRecorder())
                .bufferSize(4096).maxSize(1).clearOnReturn(false).name("raw").build()) {
            try (PinnedBuffer<byte[]> buffer = pool.rent()) {
                buffer.fill((byte) 5);
            }
            AtomicBoolean seen = new AtomicBoolean();
            reclaimer.every(TimeUnit.MILLISECONDS.toNanos(1), seen, flag -> flag.set(true));
            await().atMost(Duration.ofSeconds(5)).untilTrue(seen);   // the background ran a cycle since the return
            assertThat(backend.allocated.getFirst().get(ValueLayout.JAVA_BYTE, 100)).isEqualTo((byte) 5);
            try (PinnedBuffer<byte[]> next = pool.rent()) {
                assertThat(next.toArray()[100]).isEqualTo((byte) 5);
            }
        }
    }
}
