package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.arrow.PinnedArrow;
import org.apache.arrow.memory.BufferAllocator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for Apache
 * Arrow on pinned memory: with Arrow and {@code pinned-memory-arrow} on the class path, one
 * {@link BufferAllocator} per configured byte pool, bean {@code <pool>PinnedArrowAllocator} with
 * qualifier {@code <pool>} ({@link PinnedArrowAllocatorRegistrar}). The context owns them and closes
 * each before its pool; Arrow's close-time leak check then logs (the context's destroy warning) any
 * buffer still held. Switched off with the rest by {@code pinned-memory.enabled=false}.
 */
@AutoConfiguration(after = PinnedMemoryAutoConfiguration.class)
@ConditionalOnClass({BufferAllocator.class, PinnedArrow.class})
@ConditionalOnBooleanProperty(name = "pinned-memory.enabled", matchIfMissing = true)
public final class PinnedArrowAutoConfiguration {

    @Bean
    static PinnedArrowAllocatorRegistrar pinnedArrowAllocatorRegistrar() {
        return new PinnedArrowAllocatorRegistrar();
    }
}
