package dev.pinnedmemory.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.InvalidPoolSettingException;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PoolRuleRuns;
import dev.pinnedmemory.PoolSettings;
import dev.pinnedmemory.PoolStats;
import dev.pinnedmemory.backend.NumaNode;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint.ConfigurationPropertiesBeanDescriptor;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.MapPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * {@code pinned-memory.pools.<name>.*} to a pool: one binding, the core's rules, the same pool as
 * the builder makes, and the bound properties listed by {@code /actuator/configprops}.
 */
class PinnedMemoryConfigurationPathTests {

    /** The name {@code @EnableConfigurationProperties} gives the properties bean: {@code <prefix>-<class name>}. */
    private static final String PROPERTIES_BEAN = "pinned-memory-dev.pinnedmemory.autoconfigure.PinnedMemoryProperties";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class, PinnedArrowAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked");

    /** Each pool rule, as YAML and as the same value given to the core's builder (sizes in bytes, as YAML gives them). */
    static Stream<Arguments> rules() {
        return Stream.of(
                rule("buffer-size=4097B", b -> b.bufferSizeInBytes(4097)),
                rule("buffer-size=0", b -> b.bufferSizeInBytes(0)),
                rule("buffer-size=16GB", b -> b.bufferSizeInBytes(16L << 30)),
                rule("min-buffer-size=6B", b -> b.minBufferSizeInBytes(6)),
                rule("min-buffer-size=8KB", b -> b.minBufferSizeInBytes(8192)),
                rule("max-size=65537", b -> b.maxSize(65_537)),
                rule("initial-size=-2", b -> b.initialSize(-2)),
                rule("initial-size=21", b -> b.initialSize(21)),
                rule("max-wait=-5ms", b -> b.maxWait(Duration.ofMillis(-5))),
                rule("fence-warn-after=101d", b -> b.fenceWarnAfter(Duration.ofDays(101))),
                rule("numa-node=9", b -> b.numaNode(NumaNode.of(9))));
    }

    private static Arguments rule(String property, UnaryOperator<PoolSettings.Builder<float[]>> same) {
        return arguments(property, same);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void aBadValueShouldBeRefusedByTheSameRuleThroughTheBuilderAndThroughYaml(String property,
                                                                            UnaryOperator<PoolSettings.Builder<float[]>> same) {
        InvalidPoolSettingException core = catchThrowableOfType(InvalidPoolSettingException.class,
                () -> same.apply(PoolSettings.builder(ElementType.FLOAT).bufferSizeInBytes(4096)).build());
        assertThat(core).as("the builder refuses it").isNotNull();
        this.runner.withPropertyValues("pinned-memory.pools.frames.element-type=float",
                "pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames." + property).run(context -> {
                    assertThat(context).hasFailed();
                    Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
                    assertThat(cause).isInstanceOf(InvalidPinnedMemoryPropertyException.class);
                    InvalidPinnedMemoryPropertyException yaml = (InvalidPinnedMemoryPropertyException) cause;
                    String name = "pinned-memory.pools.frames." + property.substring(0, property.indexOf('='));
                    assertThat(yaml.property()).isEqualTo(name);
                    assertThat(yaml.value()).isEqualTo(core.value());
                    assertThat(yaml).hasMessage("'" + name + "' "
                            + PinnedMemorySettings.kebab(core.rule()) + " but was " + core.value());
                    assertThat(yaml.action()).startsWith("Set " + name + " to ");
                });
    }

    @Test
    void theRulesShouldNameOtherSettingsAsProperties() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.buffer-size=4KB", "pinned-memory.pools.frames.min-buffer-size=8KB")
                .run(context -> assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .hasMessage("'pinned-memory.pools.frames.min-buffer-size' must be at most buffer-size (4096B) but was 8192B"));
        assertThat(PinnedMemorySettings.kebab("must be at most maxSize (2), or raise fenceWarnAfter"))
                .isEqualTo("must be at most max-size (2), or raise fence-warn-after");
    }

    @Test
    void aGoodConfigurationShouldMakeThePoolTheBuilderMakes() {
        this.runner.withPropertyValues("pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB",
                "pinned-memory.pools.frames.min-buffer-size=4KB", "pinned-memory.pools.frames.initial-size=2",
                "pinned-memory.pools.frames.max-size=5", "pinned-memory.pools.frames.clear-on-return=false",
                "pinned-memory.pools.frames.max-wait=20ms", "pinned-memory.pools.frames.fence-warn-after=30s").run(context -> {
                    assertThat(context).hasNotFailed();
                    PoolStats fromYaml = context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class).stats();
                    try (PinnedMemoryPool<float[]> built = PinnedMemoryPool.builder(ElementType.FLOAT).name("frames")
                            .bufferSize(16 * 1024).minBufferSize(1024).initialSize(2).maxSize(5).clearOnReturn(false)
                            .maxWait(Duration.ofMillis(20)).fenceWarnAfter(Duration.ofSeconds(30))
                            .backend(PageLockingBackends.unlocked()).build()) {
                        assertThat(fromYaml).usingRecursiveComparison().ignoringFieldsMatchingRegexes(".*Nanos")
                                .isEqualTo(built.stats());
                        assertThat(fromYaml.fenceWarnAfterNanos()).isEqualTo(built.stats().fenceWarnAfterNanos());
                    }
                    PoolSettings<?> settings = context.getBean(PinnedMemorySettings.class).pools().get("frames");
                    assertThat(settings).isEqualTo(PoolSettings.builder(ElementType.FLOAT).name("frames").bufferSize(16 * 1024)
                            .minBufferSize(1024).initialSize(2).maxSize(5).clearOnReturn(false).maxWait(Duration.ofMillis(20))
                            .fenceWarnAfter(Duration.ofSeconds(30)).leakDetection(settings.leakDetection()).build()
                            .toBuilder().warmupThreads(settings.warmupThreads()).build());
                });
    }

    @Test
    void configpropsShouldListThePinnedMemoryPropertiesWithEveryPool() {
        this.runner.withBean(ConfigurationPropertiesReportEndpoint.class, () -> new ConfigurationPropertiesReportEndpoint(List.of(), Show.ALWAYS))
                .withPropertyValues("pinned-memory.max-total-size=64MB", "pinned-memory.pools.frames.element-type=float",
                        "pinned-memory.pools.frames.buffer-size=4MB", "pinned-memory.pools.frames.max-wait=250ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Map<String, ConfigurationPropertiesBeanDescriptor> beans = context.getBean(ConfigurationPropertiesReportEndpoint.class)
                            .configurationProperties().getContexts().get(context.getId()).getBeans();
                    ConfigurationPropertiesBeanDescriptor ours = beans.get(PROPERTIES_BEAN);
                    assertThat(ours).as("configprops beans: %s", beans.keySet()).isNotNull();
                    assertThat(ours.getPrefix()).isEqualTo("pinned-memory");
                    assertThat(ours.getProperties()).containsEntry("backend", "UNLOCKED").containsKey("maxTotalSize");
                    @SuppressWarnings("unchecked")
                    Map<String, Object> frames = (Map<String, Object>) ((Map<String, Object>) ours.getProperties().get("pools")).get("frames");
                    assertThat(frames).containsEntry("elementType", "float").containsKeys("bufferSize", "maxWait", "initialSize");
                    assertThat(String.valueOf(frames.get("bufferSize"))).contains("4194304");
                    assertThat(ours.getInputs()).containsKey("pools");
                });
    }

    @Test
    void eachPoolsRulesShouldRunOnceFromYamlToItsEngine() throws Exception {
        Map<String, Integer> runs = PoolRuleRuns.during(() -> this.runner
                .withPropertyValues("pinned-memory.numa-node=0", "pinned-memory.pools.frames.element-type=float",
                        "pinned-memory.pools.frames.buffer-size=64KB", "pinned-memory.pools.frames.min-buffer-size=4KB",
                        "pinned-memory.pools.frames.initial-size=1", "pinned-memory.pools.batches.buffer-size=16KB")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean("framesPinnedMemoryPool").hasBean("batchesPinnedMemoryPool")
                            .hasBean("batchesPinnedArrowAllocator");
                    assertThat(context.getBean("framesPinnedMemoryPool", PinnedMemoryPool.class).stats().idle()).isEqualTo(1);
                }));
        assertThat(runs).as("rule runs per pool, application.yml to engine").containsOnly(Map.entry("frames", 1),
                Map.entry("batches", 1));
    }

    /**
     * The registrars of pools and Arrow allocators share one binding into the validated settings;
     * the configprops bean is Spring Boot's own, bound by Boot the supported way (its binding
     * post-processor), so the value is read twice in all: once for the pools, once for the report.
     */
    @Test
    void thePoolsShouldBeBoundOnceForPoolsAndArrowAllocatorsAndTheReportByBoot() {
        AtomicInteger reads = new AtomicInteger();
        MapPropertySource counting = new MapPropertySource("counting", Map.of("pinned-memory.pools.batches.buffer-size", "64KB")) {
            @Override
            public Object getProperty(String name) {
                if (name.equals("pinned-memory.pools.batches.buffer-size")) {
                    reads.incrementAndGet();
                }
                return super.getProperty(name);
            }
        };
        this.runner.withUserConfiguration(OtherProperties.class)
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(counting))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean("batchesPinnedMemoryPool").hasBean("batchesPinnedArrowAllocator")
                            .hasSingleBean(PinnedMemoryProperties.class).hasBean(PROPERTIES_BEAN);
                    assertThat(reads).as("reads of the pool's buffer-size: the pools' binding and Boot's").hasValue(2);
                    assertThat(context.getBean(PinnedMemoryProperties.class).getPools().get("batches").getBufferSize().toBytes())
                            .isEqualTo(64 * 1024);
                    assertThat(context.getBean(PinnedMemorySettings.class).pools().get("batches").bufferLength())
                            .isEqualTo(64 * 1024);
                });
    }

    /** An application that enables the same properties itself gets one properties bean, not two. */
    @Test
    void anApplicationThatEnablesThePropertiesItselfShouldShareTheOneBean() {
        this.runner.withUserConfiguration(OwnPinnedMemoryProperties.class)
                .withPropertyValues("pinned-memory.pools.frames.buffer-size=8KB")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PinnedMemoryProperties.class)
                        .hasBean(PROPERTIES_BEAN).hasBean("framesPinnedMemoryPool"));
    }

    /** Enables pinned memory's properties as an application might, besides the auto-configuration. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PinnedMemoryProperties.class)
    static class OwnPinnedMemoryProperties {
    }

    /** Registers Spring Boot's binding post-processor, as any application with other properties has. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties
    static class OtherProperties {
    }
}
