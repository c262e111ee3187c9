/**
 * The Open Inference Protocol (KServe v2) on pinned memory. Start here:
 *
 * <p><b>Writing a model</b> (the SPI):
 * <ul>
 * <li>{@link dev.pinnedmemory.inference.InferenceModel}: implement it; with the starter every bean of it is served;</li>
 * <li>{@link dev.pinnedmemory.inference.ModelMetadata} and {@link dev.pinnedmemory.inference.TensorMetadata}: its
 *     name, versions, platform and tensors, with {@link dev.pinnedmemory.inference.Datatype}'s names;</li>
 * <li>{@link dev.pinnedmemory.inference.InferenceRequest} and {@link dev.pinnedmemory.inference.InferenceTensor}:
 *     what it gets, every input a lease of a byte pool;</li>
 * <li>{@link dev.pinnedmemory.inference.InferenceResponse}: what it answers, outputs as segments or leases.</li>
 * </ul>
 *
 * <p><b>Serving models</b> (the rules, once, for every transport):
 * <ul>
 * <li>{@link dev.pinnedmemory.inference.InferenceServer}: the models by name and version, metadata, health, the
 *     repository index ({@link dev.pinnedmemory.inference.ServerMetadata},
 *     {@link dev.pinnedmemory.inference.ModelIndexEntry}), held to {@link dev.pinnedmemory.inference.InferenceLimits};</li>
 * <li>{@link dev.pinnedmemory.inference.InferenceCall}: one request: {@link dev.pinnedmemory.inference.DeclaredInput}s
 *     checked against the model, filled from a {@link dev.pinnedmemory.inference.TensorSource} through a
 *     {@link dev.pinnedmemory.inference.TensorSink} ({@link dev.pinnedmemory.inference.TensorSources} has the common
 *     ones), {@link dev.pinnedmemory.inference.RequestedOutput}s, the model's run, the
 *     {@link dev.pinnedmemory.inference.ResponseOutput}s to write, and every lease ended exactly once;</li>
 * <li>{@link dev.pinnedmemory.inference.InferenceException}: every refusal, with the status each transport answers;</li>
 * <li>{@link dev.pinnedmemory.inference.InferenceObserver}: told about every finished request (the meters);</li>
 * <li>{@link dev.pinnedmemory.inference.SharedMemoryRegistry}: Triton's system shared memory extension, the regions
 *     co-located clients registered (mapped, page-locked, counted on the budget), held to
 *     {@link dev.pinnedmemory.inference.SharedMemoryLimits} and shown as
 *     {@link dev.pinnedmemory.inference.SharedMemoryRegionStatus}; tensors naming a region are views of it.</li>
 * </ul>
 *
 * <p>Transports: {@code dev.pinnedmemory.inference.rest} (REST on Spring MVC) and {@code dev.pinnedmemory.inference.grpc}
 * (grpc-java). Operations:
 * {@code dev.pinnedmemory.inference.metrics} (Micrometer) and {@code dev.pinnedmemory.inference.actuate}
 * (Actuator endpoint and health).
 */
@NullMarked
package dev.pinnedmemory.inference;

import org.jspecify.annotations.NullMarked;
