/**
 * Request bodies straight into pinned memory: {@link dev.pinnedmemory.web.PinnedBody} on a Spring MVC
 * or WebFlux handler parameter, and {@link dev.pinnedmemory.web.PinnedDataBuffers} for other reactive
 * code; {@link dev.pinnedmemory.web.EnablePinnedBody} wires them into an application without Spring Boot
 * (with Boot, the starter's auto-configuration imports the same configurations). Depends on the core
 * library and on Spring Web, the Servlet API (MVC) or Reactor (WebFlux), never on Spring Boot.
 */
@NullMarked
package dev.pinnedmemory.web;

import org.jspecify.annotations.NullMarked;
