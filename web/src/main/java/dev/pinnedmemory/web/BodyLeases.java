package dev.pinnedmemory.web;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.MemoryBudgetExceededException;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryException;
import dev.pinnedmemory.PinnedMemoryPool;
import org.jspecify.annotations.Nullable;

/**
 * The sizes, rents and refusals that every way of receiving a body shares: what the headers allow
 * before anything is rented or read, which lease a body gets, and what a body that arrived must be.
 * Stateless; thread-safe.
 */
final class BodyLeases {

    /** Byte order of the elements on the wire. */
    static final ByteOrder WIRE_ORDER = ByteOrder.LITTLE_ENDIAN;

    private BodyLeases() {
    }

    /** {@return the largest body {@code pool} takes, in bytes: its largest buffer} */
    static long maxBytes(PinnedMemoryPool<?> pool) {
        return (long) pool.bufferSize() * pool.elementType().byteSize();
    }

    /**
     * Refuses what the declared length already tells: over the largest buffer (413), empty or not a
     * whole number of elements (400). Nothing for an unknown length ({@code -1}).
     */
    static void checkDeclared(PinnedMemoryPool<?> pool, long declared) {
        if (declared < 0) {
            return;
        }
        if (declared > maxBytes(pool)) {
            throw PinnedBodyException.tooLarge(pool, declared, false);
        }
        checkArrived(pool, declared);
    }

    private static void checkArrived(PinnedMemoryPool<?> pool, long bytes) {
        if (bytes == 0) {
            throw PinnedBodyException.empty(pool);
        }
        if (bytes % pool.elementType().byteSize() != 0) {
            throw PinnedBodyException.notWhole(pool, bytes);
        }
    }

    /**
     * {@return a lease for a body of {@code declared} bytes: exactly its elements, or full size for an
     * unknown length}, waiting up to the pool's {@code max-wait} for memory
     *
     * @throws PinnedBodyException 503 when no memory came within the wait, 413 when a resize made the
     *     buffers smaller than the body since {@link #checkDeclared}
     */
    static <A> PinnedBuffer<A> rent(PinnedMemoryPool<A> pool, long declared) {
        return rent(pool, declared, pool.maxWait());
    }

    /**
     * {@return a lease as {@link #rent} gives, without waiting; null when the budget refused and the
     * pool would wait for memory} (reactive callers then wait off the event loop)
     */
    static <A> @Nullable PinnedBuffer<A> tryRent(PinnedMemoryPool<A> pool, long declared) {
        try {
            return rent(pool, declared, Duration.ZERO);
        } catch (PinnedBodyException e) {
            if (e.getCause() instanceof MemoryBudgetExceededException && pool.maxWait().isPositive()) {
                return null;
            }
            throw e;
        }
    }

    private static <A> PinnedBuffer<A> rent(PinnedMemoryPool<A> pool, long declared, Duration maxWait) {
        try {
            return declared < 0 ? pool.rent(maxWait)
                    : pool.rent(Math.toIntExact(declared / pool.elementType().byteSize()), maxWait);
        } catch (PinnedMemoryException e) {
            throw PinnedBodyException.noMemory(pool, declared, e);
        } catch (IllegalArgumentException e) {
            throw PinnedBodyException.tooLarge(pool, declared, false);   // a resize shrank the buffers since the check
        } catch (IllegalStateException e) {
            throw PinnedBodyException.closed(pool, declared, e);
        }
    }

    /**
     * Checks the {@code arrived} bytes now in {@code lease}, puts them in the machine's order, and
     * {@return the lease the handler gets}: {@code lease} itself, or for a body of unknown length a
     * lease of what arrived ({@link PinnedBuffer#narrow}, which ends {@code lease})
     *
     * @throws PinnedBodyException 400 for an empty body, a partial element, or fewer bytes than declared;
     *     {@code lease} is then still the caller's
     */
    static <A> PinnedBuffer<A> complete(PinnedMemoryPool<A> pool, PinnedBuffer<A> lease, long arrived, long declared) {
        if (declared >= 0 && arrived < declared) {
            throw PinnedBodyException.shorter(pool, arrived, declared);
        }
        checkArrived(pool, arrived);
        ElementType<A> type = pool.elementType();
        int elements = Math.toIntExact(arrived / type.byteSize());
        toNativeOrder(lease.segment(), type, elements, ByteOrder.nativeOrder());
        return elements == lease.length() ? lease : lease.narrow(elements);
    }

    /**
     * Turns the first {@code elements} little-endian elements of {@code segment} into {@code nativeOrder}:
     * nothing to do on little-endian machines (x86-64, ARM as Linux runs it), one swap per element elsewhere.
     */
    static void toNativeOrder(MemorySegment segment, ElementType<?> type, long elements, ByteOrder nativeOrder) {
        if (nativeOrder == WIRE_ORDER || type.byteSize() == 1) {
            return;
        }
        switch (type.byteSize()) {
            case Short.BYTES -> swap(segment, elements, ValueLayout.JAVA_SHORT_UNALIGNED, nativeOrder);
            case Integer.BYTES -> swap(segment, elements, ValueLayout.JAVA_INT_UNALIGNED, nativeOrder);
            case Long.BYTES -> swap(segment, elements, ValueLayout.JAVA_LONG_UNALIGNED, nativeOrder);
            default -> throw new IllegalArgumentException("no byte order for elements of " + type.byteSize() + " bytes");
        }
    }

    private static void swap(MemorySegment segment, long elements, ValueLayout.OfShort layout, ByteOrder to) {
        ValueLayout.OfShort wire = layout.withOrder(WIRE_ORDER);
        ValueLayout.OfShort target = layout.withOrder(to);
        for (long i = 0; i < elements; i++) {
            segment.set(target, i * Short.BYTES, segment.get(wire, i * Short.BYTES));
        }
    }

    private static void swap(MemorySegment segment, long elements, ValueLayout.OfInt layout, ByteOrder to) {
        ValueLayout.OfInt wire = layout.withOrder(WIRE_ORDER);
        ValueLayout.OfInt target = layout.withOrder(to);
        for (long i = 0; i < elements; i++) {
            segment.set(target, i * Integer.BYTES, segment.get(wire, i * Integer.BYTES));
        }
    }

    private static void swap(MemorySegment segment, long elements, ValueLayout.OfLong layout, ByteOrder to) {
        ValueLayout.OfLong wire = layout.withOrder(WIRE_ORDER);
        ValueLayout.OfLong target = layout.withOrder(to);
        for (long i = 0; i < elements; i++) {
            segment.set(target, i * Long.BYTES, segment.get(wire, i * Long.BYTES));
        }
    }
}
