package dev.pinnedmemory.test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.TransferFence;
import dev.pinnedmemory.test.Fixtures.Fixture;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link PinnedMemoryLeakCheck} registered with its pools, on tests that return, keep, fence and leak buffers. */
class PinnedMemoryLeakCheckTests {

    private static final String RENT_SITE_HINT = "Set pinned-memory.leak-detection=paranoid (or "
            + "LeakDetectionLevel.PARANOID on the pool's builder) to see where they were rented.";

    /** What the fixtures rent from: set for each test here. */
    static PinnedMemoryPool<byte[]> frames;
    static PinnedMemoryPool<byte[]> tiles;
    static CompletableFuture<Void> transfer;
    static int rentLine;

    @BeforeEach
    void createPools() {
        frames = Fixtures.pool("frames", LeakDetectionLevel.SIMPLE);
        tiles = Fixtures.pool("tiles", LeakDetectionLevel.PARANOID);
        transfer = new CompletableFuture<>();
    }

    @AfterEach
    void closePools() {
        Fixtures.returnKept();
        transfer.complete(null);
        frames.close();
        tiles.close();
    }

    @Test
    void aTestThatReturnsItsBuffersShouldPass() {
        TestExecutionResult result = Fixtures.run(PoolsFixture.class, "returnsItsBuffers");

        assertThat(result.getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(frames.stats().rents()).isEqualTo(1);
        assertThat(tiles.stats().rents()).isEqualTo(1);
    }

    @Test
    void aTestThatForgetsToReturnABufferShouldFailNamingThePoolAndTheCount() {
        TestExecutionResult result = Fixtures.run(PoolsFixture.class, "forgetsToReturnTwoFrames");

        assertThat(failure(result)).isInstanceOf(AssertionError.class)
                .hasMessage("forgetsToReturnTwoFrames() did not return its pinned memory:\n"
                        + "- pool 'frames': 2 buffer(s) still rented. " + RENT_SITE_HINT);
        assertThat(frames.stats().inUse()).isEqualTo(2);
    }

    @Test
    void aPoolAtParanoidLeakDetectionShouldSayWhereTheBufferWasRented() {
        TestExecutionResult result = Fixtures.run(PoolsFixture.class, "forgetsToReturnATile");

        assertThat(failure(result)).isInstanceOf(AssertionError.class).message().matches(Pattern.quote(
                "forgetsToReturnATile() did not return its pinned memory:\n"
                + "- pool 'tiles': 1 buffer(s) still rented, rented at:\n"
                + "    buffer 1 of 1:\n"
                + "      " + Fixtures.frame(PoolsFixture.class, "forgetsToReturnATile", rentLine) + "\n"
                + "      ... ") + "\\d+ more");
    }

    @Test
    void aBufferClosedAfterAPendingFenceShouldNotCountAsRented() {
        TestExecutionResult result = Fixtures.run(PoolsFixture.class, "closesAFrameAfterAFence");

        assertThat(result.getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(frames.stats().fenced()).isEqualTo(1);
        assertThat(frames.stats().inUse()).isZero();
    }

    @Test
    void buffersRentedBeforeTheTestShouldNotBeBlamedOnIt() {
        PinnedBuffer<byte[]> heldByTheApplication = frames.rent();
        try {
            assertThat(Fixtures.run(PoolsFixture.class, "returnsItsBuffers").getStatus())
                    .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
            assertThat(failure(Fixtures.run(PoolsFixture.class, "forgetsToReturnTwoFrames")))
                    .hasMessage("forgetsToReturnTwoFrames() did not return its pinned memory:\n"
                            + "- pool 'frames': 2 more buffer(s) rented than before the test (3 now). " + RENT_SITE_HINT);
        }
        finally {
            heldByTheApplication.close();
        }
    }

    @Test
    void aBufferLeakedDuringTheTestShouldFailItAndEveryPoolShouldBeNamed() {
        TestExecutionResult result = Fixtures.run(LeakingFixture.class, "leaksAFrameAndKeepsATile");

        assertThat(failure(result)).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("leaksAFrameAndKeepsATile() did not return its pinned memory:\n"
                        + "- pool 'frames': 1 buffer(s) leaked during the test: they became unreachable without being "
                        + "returned, and the pool freed them. Set pinned-memory.leak-detection=paranoid (or "
                        + "LeakDetectionLevel.PARANOID on the pool's builder) to log where they were rented.\n"
                        + "- pool 'tiles': 1 buffer(s) still rented, rented at:\n"
                        + "    buffer 1 of 1:\n"
                        + "      " + Fixtures.frame(LeakingFixture.class, "leaksAFrameAndKeepsATile", rentLine) + "\n");
        assertThat(frames.stats().leaks()).isEqualTo(1);
    }

    @Test
    void leaksBeforeTheTestShouldNotBeBlamedOnIt() {
        assertThat(Fixtures.run(LeakingFixture.class, "leaksAFrameAndKeepsATile").getStatus())
                .isEqualTo(TestExecutionResult.Status.FAILED);
        Fixtures.returnKept();

        TestExecutionResult result = Fixtures.run(PoolsFixture.class, "returnsItsBuffers");

        assertThat(frames.stats().leaks()).isEqualTo(1);
        assertThat(result.getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    }

    @Test
    void declaredWithoutPoolsOnATestThatIsNotASpringTestItShouldSayHowToRegisterIt() {
        TestExecutionResult result = Fixtures.run(NoPoolsFixture.class, "returnsItsBuffers");

        assertThat(failure(result)).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("PinnedMemoryLeakCheck has no pools to check in " + NoPoolsFixture.class.getName()
                        + ": declare it on a Spring test (@SpringBootTest, @SpringJUnitConfig) to check the pools of "
                        + "its ApplicationContext, or register it with the pools: @RegisterExtension static "
                        + "PinnedMemoryLeakCheck leakCheck = PinnedMemoryLeakCheck.forPools(pool)");
    }

    @Test
    void aTestThatFailsAndForgetsABufferShouldReportBoth() {
        Throwable failure = failure(Fixtures.run(PoolsFixture.class, "failsAndForgetsAFrame"));
        assertThat(failure).hasMessage("the test's own failure");
        assertThat(failure.getSuppressed()).singleElement().asInstanceOf(
                InstanceOfAssertFactories.THROWABLE)
                .hasMessage("failsAndForgetsAFrame() did not return its pinned memory:\n"
                        + "- pool 'frames': 1 buffer(s) still rented. " + RENT_SITE_HINT);
    }

    static Throwable failure(TestExecutionResult result) {
        assertThat(result.getStatus()).as("status of %s", result).isEqualTo(TestExecutionResult.Status.FAILED);
        return result.getThrowable().orElseThrow();
    }

    @Fixture
    static class PoolsFixture {

        @RegisterExtension
        final PinnedMemoryLeakCheck leakCheck = PinnedMemoryLeakCheck.forPools(frames, tiles);

        @Test
        void returnsItsBuffers() {
            try (PinnedBuffer<byte[]> frame = frames.rent(); PinnedBuffer<byte[]> tile = tiles.rent()) {
                frame.fill(1);
                tile.fill(2);
            }
        }

        @Test
        void forgetsToReturnTwoFrames() {
            Fixtures.kept.add(frames.rent());
            Fixtures.kept.add(frames.rent());
        }

        @Test
        void forgetsToReturnATile() {
            Fixtures.kept.add(tiles.rent()); rentLine = Fixtures.line();
        }

        @Test
        void closesAFrameAfterAFence() {
            PinnedBuffer<byte[]> frame = frames.rent();
            frame.closeAfter(TransferFence.of(transfer));
        }

        @Test
        void failsAndForgetsAFrame() {
            Fixtures.kept.add(frames.rent());
            throw new AssertionError("the test's own failure");
        }
    }

    @Fixture
    static class LeakingFixture {

        @RegisterExtension
        final PinnedMemoryLeakCheck leakCheck = PinnedMemoryLeakCheck.forPools(frames, tiles);

        @Test
        void leaksAFrameAndKeepsATile() {
            long leaks = frames.stats().leaks();
            dropAFrame();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                System.gc();
                return frames.stats().leaks() > leaks;
            });
            Fixtures.kept.add(tiles.rent()); rentLine = Fixtures.line();
        }

        private static void dropAFrame() {
            frames.rent().fill(3);
        }
    }

    @Fixture
    @ExtendWith(PinnedMemoryLeakCheck.class)
    static class NoPoolsFixture {

        @Test
        void returnsItsBuffers() {
            frames.rent().close();
        }
    }
}
