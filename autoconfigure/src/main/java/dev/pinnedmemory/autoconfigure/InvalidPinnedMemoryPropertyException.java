package dev.pinnedmemory.autoconfigure;

import java.io.Serial;

/**
 * A {@code pinned-memory.*} property has a value that breaks a rule. The message names the full
 * property path, the rule and the value, e.g.
 * {@code 'pinned-memory.pools.frames.buffer-size' must be a multiple of 4 bytes but was 4097B};
 * {@link #action()} says how to fix it. Thrown at start-up, before any memory is allocated, and
 * turned into a readable report by {@link PinnedMemoryFailureAnalyzer}. Immutable.
 */
public final class InvalidPinnedMemoryPropertyException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;
    private final String action;

    /**
     * @param property the full property name, e.g. {@code pinned-memory.pools.frames.buffer-size}
     * @param rule what the value must be, e.g. {@code must be a multiple of 4 bytes}
     * @param value the offending value as configured or bound, e.g. {@code 4097B}
     * @param action how to fix it, naming the allowed values where there is a fixed set
     */
    public InvalidPinnedMemoryPropertyException(String property, String rule, String value, String action) {
        super("'" + property + "' " + rule + " but was " + value);
        this.property = property;
        this.value = value;
        this.action = action;
    }

    /** {@return the full name of the offending property} */
    public String property() {
        return this.property;
    }

    /** {@return the offending value} */
    public String value() {
        return this.value;
    }

    /** {@return how to fix the configuration} */
    public String action() {
        return this.action;
    }
}
