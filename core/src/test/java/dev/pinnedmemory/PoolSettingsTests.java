package dev.pinnedmemory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.NumaTopology;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** One validated value between the outside and the pool: each rule once, each violation named. */
class PoolSettingsTests {

    static Stream<Arguments> violations() {
        return Stream.<Arguments>of(
                violation("bufferSize", "must be positive", "0", b -> b.bufferSize(0)),
                violation("bufferSize", "must be positive", "-4096B", b -> b.bufferSizeInBytes(-4096)),
                violation("bufferSize", "must be a multiple of 4 bytes (the size of float)", "4097B", b -> b.bufferSizeInBytes(4097)),
                violation("bufferSize", "must be at most 8589934588 bytes (2147483647 float elements)", "8589934592B",
                        b -> b.bufferSizeInBytes(8L << 30)),
                violation("minBufferSize", "must be at most bufferSize (16)", "17", b -> b.minBufferSize(17)),
                violation("minBufferSize", "must be at most bufferSize (64B)", "128B",
                        b -> b.bufferSizeInBytes(64).minBufferSizeInBytes(128)),
                violation("minBufferSize", "must be a multiple of 4 bytes (the size of float)", "6B",
                        b -> b.bufferSizeInBytes(64).minBufferSizeInBytes(6)),
                violation("minBufferSize", "must be 0 (no size classes) or positive", "-1", b -> b.minBufferSize(-1)),
                violation("maxSize", "must be 0 to 65536", "-1", b -> b.maxSize(-1)),
                violation("maxSize", "must be 0 to 65536", "65537", b -> b.maxSize(65_537)),
                violation("initialSize", "must be 0 or more", "-1", b -> b.initialSize(-1)),
                violation("initialSize", "must be at most maxSize (2)", "4", b -> b.initialSize(4).maxSize(2)),
                violation("maxWait", "must be 0 or more", "PT-1S", b -> b.maxWait(Duration.ofSeconds(-1))),
                violation("warmupThreads", "must be at least 1", "0", b -> b.warmupThreads(0)),
                violation("fenceWarnAfter", "must be more than 0 and at most 100d", "PT0S", b -> b.fenceWarnAfter(Duration.ZERO)),
                violation("fenceWarnAfter", "must be more than 0 and at most 100d", "PT2401H",
                        b -> b.fenceWarnAfter(Duration.ofHours(2401))),
                violation("name", "must not be blank", "' '", b -> b.name(" ")),
                violation("numaNode", "must be an online NUMA node of this machine (0, from /sys/devices/system/node/online)",
                        "7", b -> b.numaNode(NumaNode.of(7))));
    }

    private static Arguments violation(String field, String rule, String value,
                                       UnaryOperator<PoolSettings.Builder<float[]>> setting) {
        return arguments(field, rule, value, setting);
    }

    @ParameterizedTest(name = "{0} {1} but was {2}")
    @MethodSource("violations")
    void buildWithABadSettingShouldThrowNamingTheFieldTheRuleAndTheValue(String field, String rule, String value,
                                                                         UnaryOperator<PoolSettings.Builder<float[]>> setting) {
        PoolSettings.Builder<float[]> builder = setting.apply(PoolSettings.builder(ElementType.FLOAT).bufferSize(16));
        InvalidPoolSettingException invalid = catchThrowableOfType(InvalidPoolSettingException.class, builder::build);
        assertThat(invalid).isNotNull().hasMessage(field + " " + rule + " but was " + value);
        assertThat(invalid.field()).isEqualTo(field);
        assertThat(invalid.rule()).isEqualTo(rule);
        assertThat(invalid.value()).isEqualTo(value);
        assertThat(invalid.expected()).isNotBlank();
    }

    @Test
    void thePoolBuilderShouldRefuseWithTheSameRule() {
        InvalidPoolSettingException invalid = catchThrowableOfType(InvalidPoolSettingException.class,
                () -> PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(16).initialSize(4).maxSize(2).build());
        assertThat(invalid).hasMessage("initialSize must be at most maxSize (2) but was 4");
        assertThat(catchThrowableOfType(InvalidPoolSettingException.class,
                () -> new PoolSettings<>("p", ElementType.INT, 8, 0, 21, 20, true, Duration.ZERO, false, false,
                        LeakDetectionLevel.SIMPLE, 1, NumaNode.NONE, Duration.ofSeconds(10)))).hasMessage(invalid.getMessage().replace("(2) but was 4", "(20) but was 21"));
    }

    @Test
    void bytesShouldBecomeElementsOnceAndAsAnElementCountGiven() {
        PoolSettings<float[]> inBytes = PoolSettings.builder(ElementType.FLOAT).name("frames").bufferSizeInBytes(4 << 20)
                .minBufferSizeInBytes(64 << 10).initialSize(1).maxSize(3).build();
        PoolSettings<float[]> inElements = PoolSettings.builder(ElementType.FLOAT).name("frames").bufferSize(1 << 20)
                .minBufferSize(16 << 10).initialSize(1).maxSize(3).build();
        assertThat(inBytes).isEqualTo(inElements);
        assertThat(inBytes.bufferLength()).isEqualTo(1 << 20);
        assertThat(PoolSettings.builder(ElementType.FLOAT).bufferSizeInBytes(64).minBufferSizeInBytes(0).build()
                .minBufferLength()).as("0 bytes: no size classes").isZero();
        assertThat(inBytes.toBuilder().build()).isEqualTo(inBytes);
    }

    @Test
    void aPoolBuiltFromSettingsShouldBeThePoolTheBuilderMakes() {
        PoolSettings<int[]> settings = PoolSettings.builder(ElementType.INT).name("ids").bufferSize(1024).minBufferSize(64)
                .initialSize(2).maxSize(5).clearOnReturn(false).maxWait(Duration.ofMillis(20)).build();
        try (PinnedMemoryPool<int[]> fromSettings = PinnedMemoryPool.builder(settings).backend(PageLockingBackends.unlocked()).build();
             PinnedMemoryPool<int[]> fromBuilder = PinnedMemoryPool.builder(ElementType.INT).name("ids").bufferSize(1024)
                     .minBufferSize(64).initialSize(2).maxSize(5).clearOnReturn(false).maxWait(Duration.ofMillis(20))
                     .backend(PageLockingBackends.unlocked()).build()) {
            assertThat(fromSettings.stats()).usingRecursiveComparison().ignoringFieldsMatchingRegexes(".*Nanos")
                    .isEqualTo(fromBuilder.stats());
            assertThat(fromSettings.stats().idle()).isEqualTo(2);
            assertThat(fromSettings.minBufferSize()).isEqualTo(64);
            assertThat(fromSettings.maxWait()).isEqualTo(Duration.ofMillis(20));
        }
    }

    @Test
    void aNodeShouldBeCheckedAgainstTheMachinesOnlineNodes(@TempDir Path root) throws IOException {
        Path online = root.resolve("sys/devices/system/node/online");
        Files.createDirectories(online.getParent());
        Files.writeString(online, "0-1\n");
        NumaTopology twoNodes = NumaTopology.of(root, () -> null);
        assertThat(PoolSettings.builder(ElementType.BYTE).bufferSize(64).numaNode(NumaNode.of(1)).numaTopology(twoNodes)
                .build().numaNode()).isEqualTo(NumaNode.of(1));
        InvalidPoolSettingException invalid = catchThrowableOfType(InvalidPoolSettingException.class,
                () -> PoolSettings.builder(ElementType.BYTE).bufferSize(64).numaNode(NumaNode.of(2)).numaTopology(twoNodes).build());
        assertThat(invalid).hasMessage("numaNode must be an online NUMA node of this machine (0, 1, from " + online + ") but was 2");
        assertThat(invalid.expected()).isEqualTo("none, auto (the CUDA device's node) or one of the online NUMA nodes: 0, 1");
        assertThat(PoolSettings.builder(ElementType.BYTE).bufferSize(64).numaNode(NumaNode.AUTO).build().numaNode())
                .as("auto is resolved when the pool is built").isEqualTo(NumaNode.AUTO);
    }
}
