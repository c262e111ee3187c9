/**
 * Where pinned memory comes from: the page-locking backends ({@code cuda} through JCuda,
 * {@code mlock} through libc and {@code java.lang.foreign}, and {@code unlocked}), their selection
 * ({@link dev.pinnedmemory.backend.PageLockingBackends}) and its report. The lowest layer: it depends
 * on nothing else in this library, and JCuda is touched only when it is on the class path.
 */
@NullMarked
package dev.pinnedmemory.backend;

import org.jspecify.annotations.NullMarked;
