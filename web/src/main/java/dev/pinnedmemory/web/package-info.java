/**
 * Request bodies straight into pinned memory, for Spring MVC and WebFlux, with or without Spring Boot.
 * Depends on the core library and on Spring Web, the Servlet API (MVC) or Reactor (WebFlux), never on
 * Spring Boot. The public types, by role:
 *
 * <p><b>Start here</b>
 * <ul>
 * <li>{@link PinnedBody}: on a handler parameter of type {@code PinnedBuffer<A>} (or, in WebFlux,
 *     {@code Mono<PinnedBuffer<A>>}), the request body in a lease of the named pool, ended with the request;</li>
 * <li>{@link EnablePinnedBody}: wires it into an application without Spring Boot, for the stack beside it
 *     or the ones named ({@link EnablePinnedBody.WebStack}); with Boot, the starter does the same.</li>
 * </ul>
 *
 * <p><b>Other reactive code</b>: {@link PinnedDataBuffers} ({@code join}: any {@code Flux<DataBuffer>} into
 * one lease, each buffer released once).
 *
 * <p><b>What {@code @EnablePinnedBody} (or the starter) registers</b>, public so that an application can
 * wire or replace them itself: {@link PinnedBodyWebMvcConfiguration} and {@link PinnedBodyWebFluxConfiguration};
 * {@link PinnedBodyArgumentResolver} (Spring MVC) and {@link ReactivePinnedBodyArgumentResolver} (WebFlux);
 * {@link PinnedBodyWebFilter} (ends an exchange's leases); {@link PinnedBodyExceptionHandler} (refusals as
 * problem details).
 *
 * <p><b>Failures</b>: {@link PinnedBodyException} (a refused body: 413, 400 or 503 as a problem detail) and
 * {@link PinnedBodyParameterException} (a parameter that cannot receive one, at start-up).
 *
 * <p>The rest is package-private: what every way of receiving shares ({@code BodyLeases}), the servlet
 * reader, the reactive fill, the end of each request's or exchange's lease, and the handler check.
 */
@NullMarked
package dev.pinnedmemory.web;

import org.jspecify.annotations.NullMarked;
