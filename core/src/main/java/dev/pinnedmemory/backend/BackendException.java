package dev.pinnedmemory.backend;

import java.io.Serial;

/**
 * A backend could not provide or give back memory: the operating system or the CUDA driver refused
 * a call. The message names the call, the size and the reason (for example
 * {@code mlock of 4 MiB refused: ENOMEM (errno 12: Cannot allocate memory); RLIMIT_MEMLOCK 8 MiB, ...});
 * {@link #requestedBytes()} says how much was asked. Pools and the helper wrap it in a
 * {@link dev.pinnedmemory.PinnedMemoryException} that names the pool or buffer. Immutable.
 */
public class BackendException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;

    /**
     * @param message the call that failed, the size and the reason
     * @param requestedBytes how many bytes the failed call was about
     */
    public BackendException(String message, long requestedBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    /** {@return how many bytes the failed call was about} */
    public long requestedBytes() {
        return requestedBytes;
    }
}
