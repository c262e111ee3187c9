package dev.pinnedmemory.autoconfigure;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.LeakDetectionLevel;
import dev.pinnedmemory.MemoryBudget;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.backend.PageLockingBackend;

import org.springframework.core.ResolvableType;

/**
 * One pool's validated settings: {@code bufferLength} is in elements, converted from the
 * configured byte size. Immutable; owns no memory until {@link #build} creates the pool, which the
 * caller (the application context) then owns and closes.
 */
record PoolSpec(String name, ElementType<?> elementType, int bufferLength, int initialSize, int maxSize,
                boolean clearOnReturn) {

    /** {@return the bean name, e.g. {@code framesPinnedMemoryPool}} */
    String beanName() {
        return beanName(this.name);
    }

    static String beanName(String poolName) {
        return poolName + "PinnedMemoryPool";
    }

    /** {@return {@code PinnedMemoryPool<float[]>} and so on, so the bean can be injected by its generic type} */
    ResolvableType beanType() {
        return ResolvableType.forClassWithGenerics(PinnedMemoryPool.class, this.elementType.arrayType());
    }

    /** {@return a new pool, with its {@code initialSize} buffers allocated before this returns} */
    PinnedMemoryPool<?> build(PageLockingBackend backend, MemoryBudget budget, LeakDetectionLevel leakDetection) {
        return build(this.elementType, backend, budget, leakDetection);
    }

    private <A> PinnedMemoryPool<A> build(ElementType<A> type, PageLockingBackend backend, MemoryBudget budget,
                                          LeakDetectionLevel leakDetection) {
        return PinnedMemoryPool.builder(type)
                .name(this.name)
                .bufferSize(this.bufferLength)
                .initialSize(this.initialSize)
                .maxSize(this.maxSize)
                .clearOnReturn(this.clearOnReturn)
                .backend(backend)
                .budget(budget)
                .leakDetection(leakDetection)
                .build();
    }
}
