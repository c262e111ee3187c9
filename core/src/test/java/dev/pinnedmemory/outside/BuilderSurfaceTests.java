package dev.pinnedmemory.outside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedMemoryPool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import org.junit.jupiter.api.Test;

/** The builder's setters as code outside the package sees them: source, reflection and the binary descriptor. */
class BuilderSurfaceTests {

    @Test
    void settersShouldChainFromAnotherPackage() {
        PinnedMemoryPool.Builder<byte[]> builder = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(16)
                .maxSize(2).name("review").clearOnReturn(false);
        assertEquals(PinnedMemoryPool.Builder.class, builder.getClass());
    }

    /** A client compiled against 59bbe56 links {@code Builder.bufferSize(I)LPinnedMemoryPool$Builder;}. */
    @Test
    void theDescriptorEarlierClientsLinkShouldStillExist() throws Exception {
        MethodHandles.publicLookup().findVirtual(PinnedMemoryPool.Builder.class, "bufferSize",
                MethodType.methodType(PinnedMemoryPool.Builder.class, int.class));
    }

    /** Reflection (bean-style builders, Kotlin/Groovy, tooling that skips bridges) sees a non-public return type. */
    @Test
    void reflectionShouldSeeAPublicNonBridgeSetterReturningTheBuilder() throws Exception {
        Method m = PinnedMemoryPool.Builder.class.getMethod("bufferSize", int.class);
        assertFalse(m.isBridge(), "bufferSize is a synthetic bridge");
        assertEquals(PinnedMemoryPool.Builder.class, m.getReturnType());
        assertFalse(!Modifier.isPublic(m.getReturnType().getModifiers()));
    }

    /** Every setter, not only bufferSize: one public, non-bridge method returning the builder itself. */
    @Test
    void everySetterShouldReturnTheBuilderItselfToReflection() {
        long setters = java.util.Arrays.stream(PinnedMemoryPool.Builder.class.getMethods())
                .filter(m -> m.getParameterCount() == 1 && m.getDeclaringClass() != Object.class)
                .filter(m -> {
                    assertFalse(!m.isBridge() && m.getReturnType() != PinnedMemoryPool.Builder.class,
                            m + " returns " + m.getReturnType());
                    return !m.isBridge();
                })
                .count();
        assertEquals(15, setters, "13 settings setters plus backend and budget");
    }

    /** No inherited setters and so no bridges: the builder declares every setter it has. */
    @Test
    void theBuilderShouldDeclareEverySetterItself() {
        assertEquals(Object.class, PinnedMemoryPool.Builder.class.getSuperclass());
        java.util.Arrays.stream(PinnedMemoryPool.Builder.class.getMethods())
                .filter(m -> m.getDeclaringClass() != Object.class)
                .forEach(m -> {
                    assertFalse(m.isBridge() || m.isSynthetic(), m + " is a bridge");
                    assertEquals(PinnedMemoryPool.Builder.class, m.getDeclaringClass(), m + " is inherited");
                });
    }
}
