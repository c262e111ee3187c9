/**
 * Actuator support of an inference server: the {@code inference} endpoint
 * ({@link dev.pinnedmemory.inference.actuate.InferenceEndpoint}) and health contributor
 * ({@link dev.pinnedmemory.inference.actuate.InferenceHealthIndicator}). Needs {@code spring-boot-actuator}
 * (and {@code spring-boot-health} for the contributor).
 */
@NullMarked
package dev.pinnedmemory.inference.actuate;

import org.jspecify.annotations.NullMarked;
