package dev.pinnedmemory.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Accounts for the secured operations ({@code sample.*}; in the environment
 * {@code SAMPLE_ADMIN_USERNAME}, {@code SAMPLE_ADMIN_PASSWORD} and so on). Passwords are plain
 * text, or already encoded with their id prefix, e.g. {@code {bcrypt}$2a$10$...}.
 *
 * @param admin account with role ADMIN, which may resize pools through Actuator
 * @param viewer optional account without role ADMIN, created only when both its fields are set: it
 *     may do what anonymous users may, and shows that the resize checks the role, not just a login
 */
@ConfigurationProperties("sample")
record SampleSecurityProperties(@DefaultValue Admin admin, Viewer viewer) {

    /** Password used when none is configured: for local runs only, and logged as a warning. */
    static final String DEFAULT_ADMIN_PASSWORD = "change-me";

    /**
     * @param username login name (default {@code admin})
     * @param password password (default {@value #DEFAULT_ADMIN_PASSWORD}, for local runs only)
     */
    record Admin(@DefaultValue("admin") String username, @DefaultValue(DEFAULT_ADMIN_PASSWORD) String password) {
    }

    /**
     * @param username login name
     * @param password password
     */
    record Viewer(String username, String password) {
    }
}
