/**
 * JMH benchmarks of the pools against the peers a JVM service would pick (Netty's pooled allocator,
 * Commons Pool 2, a queue), of copies, warm-up, rents by length, metrics scrapes and CUDA bandwidth.
 */
@NullMarked
package dev.pinnedmemory.benchmarks;

import org.jspecify.annotations.NullMarked;
