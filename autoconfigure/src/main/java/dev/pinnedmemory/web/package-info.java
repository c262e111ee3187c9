/**
 * Request bodies straight into pinned memory: {@link dev.pinnedmemory.web.PinnedBody} on a Spring MVC
 * or WebFlux handler parameter, and {@link dev.pinnedmemory.web.PinnedDataBuffers} for other reactive
 * code. Depends on the core library and on Spring Web, the Servlet API (MVC) or Reactor (WebFlux),
 * never on the auto-configuration, which registers these classes when the application has them.
 */
@NullMarked
package dev.pinnedmemory.web;

import org.jspecify.annotations.NullMarked;
