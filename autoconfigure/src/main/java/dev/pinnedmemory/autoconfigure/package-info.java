/**
 * Spring Boot auto-configuration for pinned memory: {@code pinned-memory.*} bound once into
 * {@link dev.pinnedmemory.autoconfigure.PinnedMemorySettings}, one pool bean per configured pool, the
 * backend, budget and helper beans, the auto-configurations of the endpoint, meters and health, the
 * failure analyzer and the runtime hints for ahead-of-time processing.
 */
@NullMarked
package dev.pinnedmemory.autoconfigure;

import org.jspecify.annotations.NullMarked;
