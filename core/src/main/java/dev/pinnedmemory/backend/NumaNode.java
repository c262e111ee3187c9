package dev.pinnedmemory.backend;

import java.util.Locale;

/**
 * Where a pool's memory should live on a machine with several NUMA nodes
 * ({@code pinned-memory.numa-node}): {@link #NONE} (the default: wherever the kernel or driver puts
 * it), {@link #AUTO} (the node of the CUDA device, when the machine says which) or a node number.
 * {@link NumaTopology#resolve} turns it into a node of this machine. Immutable; thread-safe.
 */
public final class NumaNode {

    /** Leaves placement to the kernel or the driver: nothing is bound. */
    public static final NumaNode NONE = new NumaNode(-1);
    /** The NUMA node of the current CUDA device ({@code cudaDeviceGetPCIBusId}, then sysfs), or none when unknown. */
    public static final NumaNode AUTO = new NumaNode(-2);
    /** The largest node number accepted: {@value}. */
    public static final int MAX_NODE = 1023;

    private final int id;

    private NumaNode(int id) {
        this.id = id;
    }

    /**
     * {@return node {@code id}}
     *
     * @throws IllegalArgumentException naming the value unless {@code 0 <= id <= MAX_NODE}
     */
    public static NumaNode of(int id) {
        if (id < 0 || id > MAX_NODE) {
            throw new IllegalArgumentException("numaNode: " + id + " (expected: none, auto, or a node number from 0 to "
                    + MAX_NODE + ")");
        }
        return new NumaNode(id);
    }

    /**
     * {@return the node written as in configuration: {@code none}, {@code auto} or a number}
     *
     * @throws IllegalArgumentException naming the value and the allowed forms
     */
    public static NumaNode parse(String value) {
        String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (text) {
            case "none" -> {
                return NONE;
            }
            case "auto" -> {
                return AUTO;
            }
            default -> {
                if (!text.isEmpty() && text.length() <= 4 && text.chars().allMatch(Character::isDigit)) {
                    return of(Integer.parseInt(text));
                }
                throw new IllegalArgumentException("numaNode: '" + value + "' (expected: none, auto, or a node number from 0 to "
                        + MAX_NODE + ")");
            }
        }
    }

    /** {@return whether this is {@link #NONE}} */
    public boolean isNone() {
        return id == -1;
    }

    /** {@return whether this is {@link #AUTO}} */
    public boolean isAuto() {
        return id == -2;
    }

    /** {@return the node number, or -1 for {@link #NONE} and {@link #AUTO}} */
    public int id() {
        return Math.max(-1, id);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NumaNode node && node.id == id;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(id);
    }

    /** {@return {@code none}, {@code auto} or the node number} */
    @Override
    public String toString() {
        return isNone() ? "none" : isAuto() ? "auto" : Integer.toString(id);
    }
}
