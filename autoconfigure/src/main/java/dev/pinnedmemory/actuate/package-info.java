/**
 * The {@code pinnedmemory} Actuator endpoint (read-only by default) and the {@code pinnedMemory}
 * health contributor. Depends on the core only.
 */
@NullMarked
package dev.pinnedmemory.actuate;

import org.jspecify.annotations.NullMarked;
