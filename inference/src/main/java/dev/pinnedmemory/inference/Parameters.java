package dev.pinnedmemory.inference;

import java.util.Objects;

/** The protocol's parameter values: a string, an integer, a number or a boolean. Stateless; thread-safe. */
final class Parameters {

    private Parameters() {
    }

    /** {@return {@code value} as a parameter value ({@code Integer}, {@code Short} and {@code Byte} become {@code Long}, {@code Float} {@code Double})} */
    static Object checked(String name, Object value) {
        Objects.requireNonNull(value, () -> "parameter '" + name + "'");
        return switch (value) {
            case String text -> text;
            case Long number -> number;
            case Integer number -> number.longValue();
            case Short number -> number.longValue();
            case Byte number -> number.longValue();
            case Double number -> number;
            case Float number -> number.doubleValue();
            case Boolean flag -> flag;
            default -> throw new IllegalArgumentException("parameter '" + name + "': a " + value.getClass().getName()
                    + " (expected: a string, an integer, a number or a boolean)");
        };
    }
}
