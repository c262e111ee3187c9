package dev.pinnedmemory.autoconfigure;

import java.util.Map;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.arrow.PinnedArrow;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class PinnedArrowAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class,
                    PinnedArrowAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=mlock");

    @Test
    void runWithBytePoolsShouldRegisterAQualifiedAllocatorPerBytePoolOnly() {
        this.runner.withPropertyValues("pinned-memory.pools.batches.buffer-size=1MB",
                        "pinned-memory.pools.batches.min-buffer-size=4KB",
                        "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=64KB",
                        "pinned-memory.pools.raw.element-type=byte", "pinned-memory.pools.raw.buffer-size=64KB")
                .withUserConfiguration(BatchReader.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Map<String, BufferAllocator> allocators = context.getBeansOfType(BufferAllocator.class);
                    assertThat(allocators).containsOnlyKeys("batchesPinnedArrowAllocator", "rawPinnedArrowAllocator");
                    BatchReader reader = context.getBean(BatchReader.class);
                    assertThat(reader.allocator).isSameAs(allocators.get("batchesPinnedArrowAllocator"));
                    PinnedMemoryPool<?> batches = context.getBean("batchesPinnedMemoryPool", PinnedMemoryPool.class);
                    try (ArrowBuf buffer = reader.allocator.buffer(100_000)) {
                        assertThat(buffer.capacity()).isEqualTo(100_000);
                        assertThat(batches.stats().inUse()).isEqualTo(1);
                        assertThat(batches.stats().pageLocked()).isTrue();
                    }
                    assertThat(batches.stats().inUse()).isZero();
                    assertThat(context.getBeanFactory().getBeanDefinition("batchesPinnedArrowAllocator").getDependsOn())
                            .containsExactly("batchesPinnedMemoryPool");
                });
    }

    @Test
    void runWithoutPoolsShouldRegisterTheDefaultPoolsAllocator() {
        this.runner.run(context -> {
            assertThat(context).hasSingleBean(BufferAllocator.class).hasBean("defaultPinnedArrowAllocator");
            try (ArrowBuf buffer = context.getBean(BufferAllocator.class).buffer(1 << 20)) {
                assertThat(context.getBean("defaultPinnedMemoryPool", PinnedMemoryPool.class).stats().inUse())
                        .isEqualTo(1);
                assertThat(buffer.capacity()).isEqualTo(1 << 20);
            }
        });
    }

    @Test
    void runWithoutArrowShouldRegisterPoolsButNoAllocator() {
        this.runner.withClassLoader(new FilteredClassLoader(BufferAllocator.class)).run(context -> {
            assertThat(context).hasNotFailed().hasBean("defaultPinnedMemoryPool")
                    .doesNotHaveBean("defaultPinnedArrowAllocator").doesNotHaveBean(PinnedArrowAutoConfiguration.class);
        });
        this.runner.withClassLoader(new FilteredClassLoader(PinnedArrow.class)).run(context -> {
            assertThat(context).hasNotFailed().hasBean("defaultPinnedMemoryPool")
                    .doesNotHaveBean("defaultPinnedArrowAllocator");
        });
    }

    @Test
    void runWhenDisabledShouldRegisterNoAllocator() {
        this.runner.withPropertyValues("pinned-memory.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(BufferAllocator.class));
    }

    @Test
    void runWithApplicationPoolsShouldRegisterNoDefaultAllocatorAsNoDefaultPoolExists() {
        this.runner.withUserConfiguration(ApplicationPool.class).run(context -> {
            assertThat(context).hasNotFailed().hasBean("myPool").doesNotHaveBean("defaultPinnedMemoryPool")
                    .doesNotHaveBean(BufferAllocator.class);
        });
    }

    @Test
    void runWithAnAllocatorBeanOfTheSameNameShouldKeepTheApplicationsOwn() {
        this.runner.withUserConfiguration(ApplicationAllocator.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(BufferAllocator.class);
            assertThat(context.getBean("defaultPinnedArrowAllocator")).isSameAs(ApplicationAllocator.ALLOCATOR);
        });
    }

    @Test
    void runWithInvalidPoolShouldFailWithThePoolRegistrarsMessage() {
        this.runner.withPropertyValues("pinned-memory.pools.batches.buffer-size=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).isInstanceOf(InvalidPinnedMemoryPropertyException.class)
                    .hasMessageContaining("pinned-memory.pools.batches.buffer-size");
        });
    }

    @Test
    void closeShouldCloseTheAllocatorBeforeItsPoolAndReportALeakWhileThePoolKeepsTheLease(CapturedOutput output) {
        this.runner.withPropertyValues("pinned-memory.pools.batches.buffer-size=64KB").run(context -> {
            BufferAllocator allocator = context.getBean(BufferAllocator.class);
            PinnedMemoryPool<?> pool = context.getBean(PinnedMemoryPool.class);
            try (BufferAllocator child = allocator.newChildAllocator("reader", 0, Long.MAX_VALUE)) {
                child.buffer(64).close();
            }
            ArrowBuf kept = allocator.buffer(4096);

            context.close();

            assertThat(output).contains("batchesPinnedArrowAllocator")
                    .contains("Memory was leaked by query. Memory leaked: (4096)");
            assertThat(pool.isClosed()).isTrue();
            assertThat(pool.stats().inUse()).as("the held buffer keeps its memory").isEqualTo(1);
            kept.close();
            assertThat(pool.stats().inUse()).isZero();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class BatchReader {

        final BufferAllocator allocator;

        BatchReader(@Qualifier("batches") BufferAllocator allocator) {
            this.allocator = allocator;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ApplicationPool {

        @Bean(destroyMethod = "close")
        PinnedMemoryPool<byte[]> myPool() {
            return PinnedMemoryPool.builder(ElementType.BYTE).name("mine").bufferSize(4096).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ApplicationAllocator {

        static final BufferAllocator ALLOCATOR = new RootAllocator(0);

        @Bean(destroyMethod = "")
        BufferAllocator defaultPinnedArrowAllocator() {
            return ALLOCATOR;
        }
    }
}
