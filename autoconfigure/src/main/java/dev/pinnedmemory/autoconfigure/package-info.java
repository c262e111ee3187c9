/**
 * Spring Boot auto-configuration for pinned memory: it only wires the libraries (core, web, arrow,
 * inference); no user code needs a type of this package to use them. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link PinnedMemoryProperties}: {@code pinned-memory.*}, the YAML's shape (also listed by
 *     {@code /actuator/configprops});</li>
 * <li>{@link PinnedMemorySettings}: those properties converted once and validated, a bean every part
 *     reads (each pool a core {@code PoolSettings}); {@link InvalidPinnedMemoryPropertyException} names a
 *     property that breaks a rule.</li>
 * </ul>
 *
 * <p><b>Auto-configurations</b> (public, as Spring Boot's are, so applications can exclude or order
 * against them): {@link PinnedMemoryAutoConfiguration} (backend selection, budget, pool beans, the pools
 * registry, the helper); {@link PinnedMemoryMetricsAutoConfiguration},
 * {@link PinnedMemoryEndpointAutoConfiguration} and {@link PinnedMemoryHealthContributorAutoConfiguration}
 * (meters, the {@code pinnedmemory} endpoint, health); {@link PinnedBodyWebMvcAutoConfiguration} and
 * {@link PinnedBodyWebFluxAutoConfiguration} ({@code @PinnedBody}); {@link PinnedArrowAutoConfiguration}
 * (Arrow allocators).
 *
 * <p><b>The inference server</b>: {@link PinnedInferenceProperties} ({@code pinned-memory.inference.*}),
 * {@link PinnedInferenceAutoConfiguration}, {@link PinnedInferenceWebMvcAutoConfiguration} (REST),
 * {@link PinnedInferenceGrpcAutoConfiguration} (gRPC), {@link PinnedInferenceMetricsAutoConfiguration} and
 * {@link PinnedInferenceEndpointAutoConfiguration}.
 *
 * <p>Package-private, registered by the auto-configurations or by {@code META-INF/spring.factories} and
 * {@code aot.factories}: the registrars of pool beans ({@code PoolBeanRegistrar},
 * {@code PinnedMemoryPoolRegistrar}, {@code PinnedArrowAllocatorRegistrar}), the start-up warm-up and its
 * starvation check, the failure analyzers and the runtime hints.
 */
@NullMarked
package dev.pinnedmemory.autoconfigure;

import org.jspecify.annotations.NullMarked;
