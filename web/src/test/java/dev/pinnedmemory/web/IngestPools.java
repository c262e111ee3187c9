package dev.pinnedmemory.web;

import java.time.Duration;
import java.util.List;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.PinnedMemoryPools;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The pools of the ingest applications, defined as a plain Spring application defines them (what the starter
 * makes of {@code max-total-size: 256KB} and pools {@code frames} (float, 64KB, size classes from 4KB,
 * max-wait 100ms) and {@code default} (byte, 16KB)): one budget, one bean per pool, one {@link PinnedMemoryPools}.
 */
@Configuration(proxyBeanMethods = false)
class IngestPools {

    static final int FRAME_BYTES = 64 * 1024;

    @Bean
    MemoryBudget pinnedMemoryBudget() {
        return new MemoryBudget(256 * 1024);
    }

    @Bean
    PinnedMemoryPool<float[]> frames(MemoryBudget budget) {
        return PinnedMemoryPool.builder(ElementType.FLOAT).name("frames").bufferSize(FRAME_BYTES / Float.BYTES)
                .minBufferSize(4096 / Float.BYTES).maxWait(Duration.ofMillis(100)).budget(budget).build();
    }

    @Bean
    PinnedMemoryPool<byte[]> defaultPool(MemoryBudget budget) {
        return PinnedMemoryPool.builder(ElementType.BYTE).name("default").bufferSize(16 * 1024).budget(budget).build();
    }

    @Bean
    PinnedMemoryPools pinnedMemoryPools(List<PinnedMemoryPool<?>> pools) {
        return new PinnedMemoryPools(pools);
    }
}
