package dev.pinnedmemory;

import java.util.Locale;

/**
 * How loudly unreachable, unreleased pinned memory is reported ({@code pinned-memory.leak-detection}).
 * At every level a leaked buffer or pinned array is freed by a {@link java.lang.ref.Cleaner} and
 * counted; the safety net costs nothing per rent, so it is never off. Immutable; thread-safe.
 */
public enum LeakDetectionLevel {
    /** Freed and counted, not logged. */
    DISABLED,
    /** Freed, counted, and logged once per leak with what leaked. */
    SIMPLE,
    /** As {@link #SIMPLE}, plus the stack of where each buffer was rented or allocated (costly: a stack per rent). */
    PARANOID;

    /**
     * {@return the level named {@code value}, ignoring case}
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static LeakDetectionLevel parse(String value) {
        for (LeakDetectionLevel level : values()) {
            if (level.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return level;
            }
        }
        throw new IllegalArgumentException("leak-detection: '" + value + "' (expected one of: disabled, simple, paranoid)");
    }

    /** {@return the lower-case configuration name} */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
