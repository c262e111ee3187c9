package dev.pinnedmemory.backend;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Where a pool's memory lives on a machine with NUMA nodes: the node its settings asked for
 * ({@code numa-node}: none, auto or a number) and the node its memory is bound to
 * ({@code mbind(MPOL_BIND)} before the first touch), if any. A node number asked for is always the
 * node bound to (a pool that cannot bind it is not built); {@code auto} is bound to the CUDA
 * device's node where the machine says which and the backend can place memory there, else not
 * bound; {@code none} is not bound unless the pool's backend came placed already
 * ({@link PageLockingBackends#placedOn}). Owns no memory; immutable and thread-safe.
 *
 * @param asked the node the pool's settings asked for
 * @param bound the node the pool's memory is bound to; empty where the kernel or the driver places it
 */
public record NumaPlacement(NumaNode asked, OptionalInt bound) {

    /**
     * Checks that {@code bound} is a node number and, for a node number asked for, that node.
     *
     * @throws IllegalArgumentException naming the bound node and what was expected
     */
    public NumaPlacement {
        Objects.requireNonNull(asked, "asked");
        Objects.requireNonNull(bound, "bound");
        if (bound.isPresent() && (bound.getAsInt() < 0 || bound.getAsInt() > NumaNode.MAX_NODE)) {
            throw new IllegalArgumentException("bound: node " + bound.getAsInt() + " (expected: 0 to " + NumaNode.MAX_NODE
                    + ", or none)");
        }
        if (!asked.isNone() && !asked.isAuto() && (bound.isEmpty() || bound.getAsInt() != asked.id())) {
            throw new IllegalArgumentException("bound: " + (bound.isEmpty() ? "none" : "node " + bound.getAsInt())
                    + " (expected: node " + asked.id() + ", the node asked for)");
        }
    }

    /** {@return the placement of memory that {@code backend} allocates when {@code asked} was asked for} */
    public static NumaPlacement of(NumaNode asked, PageLockingBackend backend) {
        int node = PageLockingBackends.nodeOf(backend);
        return new NumaPlacement(asked, node < 0 ? OptionalInt.empty() : OptionalInt.of(node));
    }

    /** {@return whether the memory is bound to a node} */
    public boolean isBound() {
        return bound.isPresent();
    }

    /** {@return e.g. {@code numa-node auto, bound to node 0} or {@code numa-node none, not bound}} */
    @Override
    public String toString() {
        return "numa-node " + asked + ", " + (bound.isPresent() ? "bound to node " + bound.getAsInt() : "not bound");
    }
}
