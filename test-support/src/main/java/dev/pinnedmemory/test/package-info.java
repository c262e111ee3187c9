/**
 * Test support for pinned memory: {@link dev.pinnedmemory.test.PinnedMemoryLeakCheck}, a JUnit
 * Jupiter extension that fails each test that leaves pool buffers rented or leaks them, and
 * {@link dev.pinnedmemory.test.PinnedMemoryAssertions}, AssertJ assertions on a pool. Nothing here
 * owns, rents or frees memory: it only reads the pools' statistics.
 */
@NullMarked
package dev.pinnedmemory.test;

import org.jspecify.annotations.NullMarked;
