/**
 * HTTP ingest benchmarks: request bodies into pinned memory with {@code @PinnedBody} against a
 * {@code byte[]} controller and an {@code InputStream} copied through a heap chunk, on a real Tomcat.
 */
@NullMarked
package dev.pinnedmemory.benchmarks.web;

import org.jspecify.annotations.NullMarked;
