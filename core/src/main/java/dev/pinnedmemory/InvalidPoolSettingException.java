package dev.pinnedmemory;

import java.io.Serial;

/**
 * A pool setting breaks a rule: thrown by {@link PoolSettings} (and so by
 * {@link PinnedMemoryPool.Builder#build()} and the pool's constructors), the one place those rules
 * live. It names the setting by its builder name ({@link #field()}, e.g. {@code bufferSize}), the
 * rule ({@link #rule()}, e.g. {@code must be a multiple of 4 bytes (the size of float)}) and the
 * value as it was given ({@link #value()}, e.g. {@code 4097B} for a size given in bytes, {@code 0}
 * for one given in elements); the message reads {@code bufferSize must be ... but was 4097B}.
 * Rules and {@link #expected()} name other settings by their builder names too, so a caller that
 * knows where a setting came from (the Spring Boot starter: {@code pinned-memory.pools.<name>.*})
 * can name it in its own terms without knowing the rules. Immutable.
 */
public final class InvalidPoolSettingException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String rule;
    private final String value;
    private final String expected;

    /**
     * @param field the setting's builder name, e.g. {@code bufferSize}
     * @param rule what the value must be, e.g. {@code must be positive}
     * @param value the value as given, e.g. {@code -4096B}
     * @param expected what a valid value looks like, e.g. {@code a positive multiple of 4 bytes (the size of float)}
     */
    public InvalidPoolSettingException(String field, String rule, String value, String expected) {
        super(field + " " + rule + " but was " + value);
        this.field = field;
        this.rule = rule;
        this.value = value;
        this.expected = expected;
    }

    /** {@return the setting's builder name, e.g. {@code bufferSize}} */
    public String field() {
        return field;
    }

    /** {@return the rule the value breaks, e.g. {@code must be positive}} */
    public String rule() {
        return rule;
    }

    /** {@return the offending value as it was given} */
    public String value() {
        return value;
    }

    /** {@return what a valid value looks like, to complete "set it to ..."} */
    public String expected() {
        return expected;
    }
}
