package dev.pinnedmemory.autoconfigure;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.backend.BackendReport;
import dev.pinnedmemory.backend.BackendSelection;
import dev.pinnedmemory.backend.PageLockingBackend;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PinnedMemoryPropertiesValidationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked");

    static Stream<Arguments> invalidConfigurations() {
        return Stream.of(
                arguments("pinned-memory.backend=gpu",
                        "'pinned-memory.backend' must be one of auto, cuda, cuda-register, mlock, unlocked but was 'gpu'"),
                arguments("pinned-memory.leak-detection=loud",
                        "'pinned-memory.leak-detection' must be one of disabled, simple, paranoid but was 'loud'"),
                arguments("pinned-memory.max-total-size=-1MB",
                        "'pinned-memory.max-total-size' must be 0 (unlimited) or positive but was -1048576B"),
                arguments("pinned-memory.strategy.small-threshold=-1B",
                        "'pinned-memory.strategy.small-threshold' must be 0 or more but was -1B"),
                arguments("pinned-memory.strategy.large-threshold=512B",
                        "'pinned-memory.strategy.large-threshold' must be at least strategy.small-threshold (1024B) but was 512B"),
                arguments("pinned-memory.strategy.reuse-threshold=0",
                        "'pinned-memory.strategy.reuse-threshold' must be at least 1 but was 0"),
                arguments("pinned-memory.pools.frames.element-type=quad",
                        "'pinned-memory.pools.frames.element-type' must be one of byte, short, char, int, long, float, double but was 'quad'"),
                arguments("pinned-memory.pools.frames.element-type=float,pinned-memory.pools.frames.buffer-size=4097B",
                        "'pinned-memory.pools.frames.buffer-size' must be a multiple of 4 bytes (the size of float) but was 4097B"),
                arguments("pinned-memory.pools.frames.element-type=double,pinned-memory.pools.frames.buffer-size=1028B",
                        "'pinned-memory.pools.frames.buffer-size' must be a multiple of 8 bytes (the size of double) but was 1028B"),
                arguments("pinned-memory.pools.frames.buffer-size=0",
                        "'pinned-memory.pools.frames.buffer-size' must be positive but was 0B"),
                arguments("pinned-memory.pools.frames.buffer-size=-4KB",
                        "'pinned-memory.pools.frames.buffer-size' must be positive but was -4096B"),
                arguments("pinned-memory.pools.frames.buffer-size=4GB",
                        "'pinned-memory.pools.frames.buffer-size' must be at most 2147483647 bytes (2147483647 byte elements) but was 4294967296B"),
                arguments("pinned-memory.pools.frames.initial-size=-1",
                        "'pinned-memory.pools.frames.initial-size' must be 0 or more but was -1"),
                arguments("pinned-memory.pools.frames.max-size=-1",
                        "'pinned-memory.pools.frames.max-size' must be 0 to 65536 but was -1"),
                arguments("pinned-memory.pools.frames.max-size=2147483647",
                        "'pinned-memory.pools.frames.max-size' must be 0 to 65536 but was 2147483647"),
                arguments("pinned-memory.pools.frames.min-buffer-size=2MB",
                        "'pinned-memory.pools.frames.min-buffer-size' must be at most buffer-size (1048576B) but was 2097152B"),
                arguments("pinned-memory.pools.frames.element-type=int,pinned-memory.pools.frames.min-buffer-size=6B",
                        "'pinned-memory.pools.frames.min-buffer-size' must be a multiple of 4 bytes (the size of int) but was 6B"),
                arguments("pinned-memory.pools.frames.max-wait=-1s",
                        "'pinned-memory.pools.frames.max-wait' must be 0 or more but was PT-1S"),
                arguments("pinned-memory.pools.frames.initial-size=4,pinned-memory.pools.frames.max-size=2",
                        "'pinned-memory.pools.frames.initial-size' must be at most max-size (2) but was 4"),
                arguments("pinned-memory.max-total-size=1MB,pinned-memory.pools.a.buffer-size=1MB,pinned-memory.pools.a.initial-size=1,"
                                + "pinned-memory.pools.b.buffer-size=4KB,pinned-memory.pools.b.initial-size=2",
                        "'pinned-memory.max-total-size' must hold the initial buffers of all pools "
                                + "(1056768B: a 1 x 1048576B, b 2 x 4096B) but was 1048576B"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigurations")
    void runWithInvalidValueShouldFailNamingPropertyRuleAndValue(String properties, String message) {
        this.runner.withPropertyValues(properties.split(",")).run(context -> {
            assertThat(context).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                    .isInstanceOf(InvalidPinnedMemoryPropertyException.class).hasMessage(message);
        });
    }

    @Test
    void runWithInvalidPoolShouldFailBeforeAnyMemoryIsAllocated() {
        AtomicInteger allocations = new AtomicInteger();
        PageLockingBackend counting = new PageLockingBackend() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public boolean pageLocked() {
                return false;
            }

            @Override
            public MemorySegment allocate(long bytes, Arena arena) {
                allocations.incrementAndGet();
                return PageLockingBackends.unlocked().allocate(bytes, arena);
            }
        };
        BackendSelection selection = new BackendSelection(counting,
                new BackendReport("counting", false, "counting", Map.of(), -1, null));
        this.runner.withBean(BackendSelection.class, () -> selection)
                .withPropertyValues("pinned-memory.pools.a.buffer-size=4KB", "pinned-memory.pools.a.initial-size=2",
                        "pinned-memory.pools.b.element-type=int", "pinned-memory.pools.b.buffer-size=3B")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(allocations).hasValue(0);
                });
        this.runner.withBean(BackendSelection.class, () -> selection)
                .withPropertyValues("pinned-memory.pools.a.buffer-size=4KB", "pinned-memory.pools.a.initial-size=2")
                .run(context -> assertThat(allocations).hasValue(2));
    }

    @Test
    void runWithNonNumericSizeShouldFailWithBindingError() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.buffer-size=lots").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("pinned-memory.pools.frames.buffer-size");
        });
    }

    @Test
    void runWithPoolsExactlyFillingTheBudgetShouldStart() {
        this.runner.withPropertyValues("pinned-memory.max-total-size=8KB", "pinned-memory.pools.a.buffer-size=4KB",
                "pinned-memory.pools.a.initial-size=2").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MemoryBudget.class).usedBytes()).isEqualTo(8192);
                });
    }

    @Test
    void runWithUnlockedBackendAndRequiredPageLockingShouldFail() {
        this.runner.withPropertyValues("pinned-memory.require-page-locked=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                    .isInstanceOf(dev.pinnedmemory.backend.PageLockingUnavailableException.class)
                    .hasMessageContaining("pinned-memory.require-page-locked");
        });
    }
}
