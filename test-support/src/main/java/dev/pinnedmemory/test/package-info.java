/**
 * Test support for pinned memory: fail each test that leaves pool buffers rented or leaks them. Nothing
 * here owns, rents or frees memory: it only reads the pools' statistics. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link CheckPinnedMemoryLeaks}: on a Spring test class, checks every pool of the test's context
 *     after each test;</li>
 * <li>{@link PinnedMemoryLeakCheck}: the JUnit Jupiter extension behind it, also registered by hand
 *     ({@code @RegisterExtension}) for pools of plain Java tests.</li>
 * </ul>
 *
 * <p><b>Assertions</b>: {@link PinnedMemoryAssertions} ({@code assertThat(pool)}) and {@link PoolAssert}
 * (AssertJ assertions on a pool's buffers).
 *
 * <p>The wording both share and the lookup of a Spring context's pools are package-private.
 */
@NullMarked
package dev.pinnedmemory.test;

import org.jspecify.annotations.NullMarked;
