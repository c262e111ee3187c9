package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.stereotype.Component;

import static org.assertj.core.api.Assertions.assertThat;

class PinnedMemoryPoolInjectionTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PinnedMemoryAutoConfiguration.class))
            .withPropertyValues("pinned-memory.backend=unlocked",
                    "pinned-memory.pools.frames.element-type=float", "pinned-memory.pools.frames.buffer-size=4KB",
                    "pinned-memory.pools.ids.element-type=int", "pinned-memory.pools.ids.buffer-size=8KB");

    @Test
    void componentShouldReceivePoolsOfDifferentElementTypesByQualifier() {
        this.runner.withUserConfiguration(QualifiedConsumer.class).run(context -> {
            QualifiedConsumer consumer = context.getBean(QualifiedConsumer.class);
            assertThat(consumer.frames).isSameAs(context.getBean("framesPinnedMemoryPool"));
            assertThat(consumer.ids).isSameAs(context.getBean("idsPinnedMemoryPool"));
            try (PinnedBuffer<float[]> frame = consumer.frames.rent(); PinnedBuffer<int[]> id = consumer.ids.rent()) {
                float[] samples = frame.toArray();
                int[] keys = id.toArray();
                assertThat(samples).hasSize(1024);
                assertThat(keys).hasSize(2048);
            }
        });
    }

    @Test
    void componentShouldReceivePoolsOfDifferentElementTypesByGenericTypeAlone() {
        this.runner.withUserConfiguration(GenericConsumer.class).run(context -> {
            GenericConsumer consumer = context.getBean(GenericConsumer.class);
            assertThat(consumer.frames).isSameAs(context.getBean("framesPinnedMemoryPool"));
            assertThat(consumer.ids).isSameAs(context.getBean("idsPinnedMemoryPool"));
            assertThat(context.getBeanNamesForType(
                    org.springframework.core.ResolvableType.forClassWithGenerics(PinnedMemoryPool.class, double[].class)))
                    .isEmpty();
        });
    }

    @Component
    static class QualifiedConsumer {

        final PinnedMemoryPool<float[]> frames;
        final PinnedMemoryPool<int[]> ids;

        QualifiedConsumer(@Qualifier("frames") PinnedMemoryPool<float[]> frames, @Qualifier("ids") PinnedMemoryPool<int[]> ids) {
            this.frames = frames;
            this.ids = ids;
        }
    }

    @Component
    static class GenericConsumer {

        final PinnedMemoryPool<float[]> frames;
        final PinnedMemoryPool<int[]> ids;

        GenericConsumer(PinnedMemoryPool<float[]> frames, PinnedMemoryPool<int[]> ids) {
            this.frames = frames;
            this.ids = ids;
        }
    }
}
