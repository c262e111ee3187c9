package dev.pinnedmemory.arrow;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

/** Run in a child JVM by {@link ArrowPrerequisiteTests}: makes a pinned allocator, one buffer, and says what happened. */
final class ArrowProbe {

    private ArrowProbe() {
    }

    public static void main(String[] args) {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096)
                .backend(PageLockingBackends.unlocked()).build();
             BufferAllocator allocator = PinnedArrow.rootAllocator(pool);
             ArrowBuf buffer = allocator.buffer(64)) {
            buffer.setLong(0, 42);
            System.out.println("OK " + buffer.getLong(0));
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getClass().getName() + ": " + e.getMessage());
            System.exit(2);
        }
    }
}
