package dev.pinnedmemory.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails each test of a Spring test class that leaves buffers of the context's pinned memory pools
 * rented or leaked: short for {@code @ExtendWith(PinnedMemoryLeakCheck.class)}. See
 * {@link PinnedMemoryLeakCheck} for what counts.
 *
 * {@snippet :
 * @SpringBootTest
 * @CheckPinnedMemoryLeaks
 * class FrameServiceTests { ... }
 * }
 */
@Target({ ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PinnedMemoryLeakCheck.class)
public @interface CheckPinnedMemoryLeaks {
}
