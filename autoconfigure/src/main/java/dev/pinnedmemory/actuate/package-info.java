/**
 * The {@code pinnedmemory} Actuator endpoint (read-only by default) and the {@code pinnedMemory} health
 * contributor. Depends on the core only. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link PinnedMemoryEndpoint}: the backend and every pool, one pool, resize, peaks and their reset;
 *     {@link PinnedMemoryEndpointWebExtension} answers its refusals over HTTP as 400 or 404 with a reason;</li>
 * <li>{@link PinnedMemoryHealthIndicator}: backend, leaks, waits and stuck transfers.</li>
 * </ul>
 *
 * <p><b>The endpoint's responses</b> (records serialized by Actuator's own JSON mapper):
 * {@link PinnedMemoryDescriptor} (everything), {@link PoolDescriptor} (a pool's {@code PoolStats}),
 * {@link BackendDescriptor}, {@link BudgetDescriptor}, {@link PeaksDescriptor}, and
 * {@link PinnedMemoryError} (the body of a refusal).
 *
 * <p><b>Failures</b>: {@link PoolResizeException} (a refused resize, with its HTTP status).
 */
@NullMarked
package dev.pinnedmemory.actuate;

import org.jspecify.annotations.NullMarked;
