package dev.pinnedmemory.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.TransferFence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.pinnedmemory.test.PinnedMemoryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** The AssertJ assertions of {@link PinnedMemoryAssertions} on pools that are quiet, busy, fenced and leaky. */
class PoolAssertTests {

    private static final String RENT_SITE_HINT = "Set pinned-memory.leak-detection=paranoid (or "
            + "LeakDetectionLevel.PARANOID on the pool's builder) to see where they were rented.";

    private final PinnedMemoryPool<byte[]> frames = Fixtures.pool("frames", LeakDetectionLevel.SIMPLE);

    private final PinnedMemoryPool<byte[]> tiles = Fixtures.pool("tiles", LeakDetectionLevel.PARANOID);

    private final List<PinnedBuffer<byte[]>> rented = new ArrayList<>();

    private final CompletableFuture<Void> transfer = new CompletableFuture<>();

    private int keepATileLine;

    @AfterEach
    void closePools() {
        rented.forEach(PinnedBuffer::close);
        transfer.complete(null);
        frames.close();
        tiles.close();
    }

    @Test
    void aPoolWhoseBuffersAllCameBackShouldPassEveryAssertion() {
        try (PinnedBuffer<byte[]> frame = frames.rent()) {
            frame.fill(1);
        }

        assertThat(frames).isQuiet().hasNoBuffersRented().hasNoLeaks().hasNoBuffersWaitingOnAFence();
        assertThat(frames.stats().returns()).isEqualTo(1);
    }

    @Test
    void aBufferStillRentedShouldFailNamingThePoolTheCountAndHowToSeeWhere() {
        rented.add(frames.rent());
        rented.add(frames.rent());

        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(frames).hasNoBuffersRented())
                .withMessage("Expecting pinned-memory pool 'frames' to have no buffers rented, but it has 2 buffer(s) "
                        + "still rented. " + RENT_SITE_HINT);
    }

    @Test
    void atParanoidLeakDetectionTheFailureShouldSayWhereEachBufferWasRentedFromTheCallerOn() {
        keepATile(); int line = Fixtures.line();

        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(tiles).hasNoBuffersRented())
                .satisfies(failure -> assertThat(failure.getMessage()).matches(Pattern.quote(
                        "Expecting pinned-memory pool 'tiles' to have no buffers rented, but it has 1 buffer(s) still "
                        + "rented, rented at:\n"
                        + "  buffer 1 of 1:\n"
                        + "    " + Fixtures.frame(PoolAssertTests.class, "keepATile", keepATileLine) + "\n"
                        + "    " + Fixtures.frame(PoolAssertTests.class,
                                "atParanoidLeakDetectionTheFailureShouldSayWhereEachBufferWasRentedFromTheCallerOn", line) + "\n"
                        + "    ... ") + "\\d+ more"));
    }

    @Test
    void atMostTenRentSitesShouldBePrintedAndTheRestCounted() {
        for (int i = 0; i < 12; i++) {
            rented.add(tiles.rent());
        }

        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(tiles).hasNoBuffersRented())
                .satisfies(failure -> {
                    assertThat(failure.getMessage()).contains("12 buffer(s) still rented, rented at:\n  buffer 1 of 12:\n")
                            .contains("\n  buffer 10 of 12:\n").doesNotContain("buffer 11 of 12").endsWith("\n  (and 2 more)");
                    assertThat(failure.getMessage().lines().filter(l -> l.startsWith("    at "))).hasSize(10);
                });
    }

    @Test
    void aBufferClosedAfterAPendingFenceShouldBeNeitherRentedNorQuietlyForgotten() {
        frames.rent().closeAfter(TransferFence.of(transfer));

        assertThat(frames).isQuiet().hasNoBuffersRented();
        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(frames).hasNoBuffersWaitingOnAFence())
                .withMessage("Expecting pinned-memory pool 'frames' to have no buffers waiting on a transfer fence, but "
                        + "it has 1 buffer(s) waiting on a transfer fence: closed with closeAfter, their fence not "
                        + "complete yet");
    }

    @Test
    void aLeakedBufferShouldFailHasNoLeaksAndIsQuietWithEveryProblem() {
        long before = frames.stats().leaks();
        dropAFrame();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            System.gc();
            return frames.stats().leaks() > before;
        });
        rented.add(frames.rent());

        String leaked = "1 buffer(s) leaked: they became unreachable without being returned, and the pool freed them. "
                + "Set pinned-memory.leak-detection=paranoid (or LeakDetectionLevel.PARANOID on the pool's builder) "
                + "to log where they were rented.";
        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(frames).hasNoLeaks())
                .withMessage("Expecting pinned-memory pool 'frames' to have no leaks, but it has " + leaked);
        assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThat(frames).isQuiet())
                .withMessage("Expecting pinned-memory pool 'frames' to be quiet (no buffers rented, no leaks), but it has:\n"
                        + "  - 1 buffer(s) still rented. " + RENT_SITE_HINT + "\n"
                        + "  - " + leaked);
    }

    @Test
    void aDescriptionShouldPrefixTheMessage() {
        rented.add(frames.rent());

        assertThatExceptionOfType(AssertionError.class)
                .isThrownBy(() -> assertThat(frames).as("after encoding").hasNoBuffersRented())
                .withMessageStartingWith("[after encoding] Expecting pinned-memory pool 'frames' to have no buffers rented");
    }

    private void keepATile() {
        rented.add(tiles.rent()); keepATileLine = Fixtures.line();
    }

    private void dropAFrame() {
        frames.rent().fill(3);
    }
}
