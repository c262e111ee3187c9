/**
 * The Open Inference Protocol (KServe v2) on pinned memory. This package holds two kinds of public types:
 * the model SPI, which model authors implement and use (fixed by issue 27), and the protocol's rules,
 * written once for every transport, which are public only so that the transports in
 * {@code dev.pinnedmemory.inference.rest} and {@code dev.pinnedmemory.inference.grpc} (other packages) can
 * use them. The public types, by role:
 *
 * <p><b>Start here, for models</b> (the SPI):
 * <ul>
 * <li>{@link InferenceModel}: implement it; with the starter every bean of it is served;</li>
 * <li>{@link ModelMetadata} and {@link TensorMetadata}: its name, versions, platform and tensors, with
 *     {@link Datatype}'s names;</li>
 * <li>{@link InferenceRequest} and {@link InferenceTensor}: what it gets, every input a lease of a byte pool;</li>
 * <li>{@link InferenceResponse}: what it answers, outputs as segments or leases;</li>
 * <li>{@link InferenceException}: a refusal with the status each transport answers (a model may throw it
 *     too).</li>
 * </ul>
 *
 * <p><b>For applications that serve models</b> (the starter does this for Spring Boot):
 * {@link InferenceServer} (the models by name and version, metadata, health, the repository index; built on a
 * byte pool), held to {@link InferenceLimits}, telling an {@link InferenceObserver} about every finished
 * request (the meters); {@link ServerMetadata} and {@link ModelIndexEntry} are what it reports.
 * {@link SharedMemoryRegistry} is Triton's system shared memory extension: the regions co-located clients
 * registered (mapped, page-locked, counted on the budget), held to {@link SharedMemoryLimits} and shown as
 * {@link SharedMemoryRegionStatus}; tensors naming a region are views of it.
 *
 * <p><b>For transports</b> (public for the transport packages; a model never needs them):
 * {@link InferenceCall} (one request: {@link DeclaredInput}s checked against the model before any rent,
 * filled from a {@link TensorSource} through a {@link TensorSink}, with {@link TensorSources} for the common
 * sources; {@link RequestedOutput}s; the model's run; the {@link ResponseOutput}s to write; every lease
 * ended exactly once).
 *
 * <p>Package-private: the model registry, the request's set of lease ends, the tensor the library makes
 * over a segment, and the checks of shapes, tensor bytes and parameters. Transports:
 * {@code dev.pinnedmemory.inference.rest} (REST on Spring MVC) and {@code dev.pinnedmemory.inference.grpc}
 * (gRPC). Operations: {@code dev.pinnedmemory.inference.metrics} (Micrometer) and
 * {@code dev.pinnedmemory.inference.actuate} (Actuator endpoint and health).
 */
@NullMarked
package dev.pinnedmemory.inference;

import org.jspecify.annotations.NullMarked;
