package dev.pinnedmemory.backend;

import java.io.Serial;
import java.util.Map;

/**
 * The configured backend cannot page-lock memory here, or page-locking is required
 * ({@code require-page-locked}) and no backend can provide it. The message names each backend's
 * reason and the fix; {@link #reasons()} has them by backend name. Immutable.
 */
public final class PageLockingUnavailableException extends BackendException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Map<String, String> reasons;

    /**
     * @param message what was asked, why each backend failed, and the fix
     * @param reasons why each backend was skipped, by name
     */
    public PageLockingUnavailableException(String message, Map<String, String> reasons) {
        super(message, 0);
        this.reasons = Map.copyOf(reasons);
    }

    /** {@return why each backend was skipped, by backend name} */
    public Map<String, String> reasons() {
        return reasons;
    }
}
