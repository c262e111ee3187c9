package dev.pinnedmemory.test;

import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;
import dev.pinnedmemory.autoconfigure.PinnedMemoryAutoConfiguration;
import dev.pinnedmemory.test.Fixtures.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static dev.pinnedmemory.test.PinnedMemoryLeakCheckTests.failure;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link PinnedMemoryLeakCheck} declared on Spring tests: it finds the pools of the test's context itself. */
class PinnedMemoryLeakCheckSpringTests {

    private static final String RENT_SITE_HINT = "Set pinned-memory.leak-detection=paranoid (or "
            + "LeakDetectionLevel.PARANOID on the pool's builder) to see where they were rented.";

    static int rentLine;

    @AfterEach
    void returnKept() {
        Fixtures.returnKept();
    }

    @Test
    void aSpringTestThatReturnsItsBufferShouldPass() {
        TestExecutionResult result = Fixtures.run(PoolBeanFixture.class, "returnsABuffer");

        assertThat(result.getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    }

    @Test
    void aSpringTestThatForgetsABufferShouldFailNamingThePoolBean() {
        TestExecutionResult result = Fixtures.run(PoolBeanFixture.class, "forgetsToReturnABuffer");

        assertThat(failure(result)).isInstanceOf(AssertionError.class)
                .hasMessage("forgetsToReturnABuffer() did not return its pinned memory:\n"
                        + "- pool 'scratch': 1 buffer(s) still rented. " + RENT_SITE_HINT);
    }

    @Test
    void aNestedTestOfASpringTestShouldBeCheckedToo() {
        TestExecutionResult result = Fixtures.run(PoolBeanFixture.WhenNested.class, "forgetsTwoBuffers");

        assertThat(failure(result)).isInstanceOf(AssertionError.class)
                .hasMessage("forgetsTwoBuffers() did not return its pinned memory:\n"
                        + "- pool 'scratch': 2 buffer(s) still rented. " + RENT_SITE_HINT);
    }

    @Test
    void withTheStarterEveryConfiguredPoolShouldBeCheckedAndParanoidShouldSayWhere() {
        TestExecutionResult result = Fixtures.run(StarterFixture.class, "forgetsToReturnATile");

        assertThat(failure(result)).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("forgetsToReturnATile() did not return its pinned memory:\n"
                        + "- pool 'tiles': 1 buffer(s) still rented, rented at:\n"
                        + "    buffer 1 of 1:\n"
                        + "      " + Fixtures.frame(StarterFixture.class, "forgetsToReturnATile", rentLine) + "\n")
                .message().doesNotContain("pool 'frames'");
    }

    @Fixture
    @SpringJUnitConfig(PoolBeanFixture.PoolConfig.class)
    @CheckPinnedMemoryLeaks
    static class PoolBeanFixture {

        @Autowired
        PinnedMemoryPool<byte[]> scratch;

        @Test
        void returnsABuffer() {
            try (PinnedBuffer<byte[]> buffer = scratch.rent()) {
                buffer.fill(1);
            }
        }

        @Test
        void forgetsToReturnABuffer() {
            Fixtures.kept.add(scratch.rent());
        }

        @Nested
        class WhenNested {

            @Test
            void forgetsTwoBuffers() {
                Fixtures.kept.add(scratch.rent());
                Fixtures.kept.add(scratch.rent());
            }
        }

        @Configuration(proxyBeanMethods = false)
        static class PoolConfig {

            @Bean
            PinnedMemoryPool<byte[]> scratchPool() {
                return Fixtures.pool("scratch", LeakDetectionLevel.SIMPLE);
            }
        }
    }

    @Fixture
    @SpringBootTest(classes = StarterFixture.App.class, properties = { "pinned-memory.backend=unlocked",
            "pinned-memory.leak-detection=paranoid", "pinned-memory.pools.frames.buffer-size=4KB",
            "pinned-memory.pools.tiles.element-type=float", "pinned-memory.pools.tiles.buffer-size=4KB" })
    @ExtendWith(PinnedMemoryLeakCheck.class)
    static class StarterFixture {

        @Autowired
        PinnedMemoryPools pools;

        @Test
        void forgetsToReturnATile() {
            try (PinnedBuffer<?> frame = pools.get("frames").rent()) {
                assertThat(frame.length()).isEqualTo(4096);
            }
            Fixtures.kept.add(pools.get("tiles").rent()); rentLine = Fixtures.line();
        }

        @Configuration(proxyBeanMethods = false)
        @ImportAutoConfiguration(PinnedMemoryAutoConfiguration.class)
        static class App {
        }
    }
}
