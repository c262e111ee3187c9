/**
 * The Open Inference Protocol's REST transport on Spring MVC (Servlet 6.1, Tomcat 11):
 * {@link dev.pinnedmemory.inference.rest.InferenceRestController}, the {@code /v2} endpoints over an
 * {@code InferenceServer}. Everything else here is its engine: the request reader (JSON header as a token
 * stream, binary parts straight into leases), the JSON data source, the response writer and the protocol's
 * JSON documents.
 */
@NullMarked
package dev.pinnedmemory.inference.rest;

import org.jspecify.annotations.NullMarked;
