package dev.pinnedmemory;

/**
 * Pinned memory could not be provided: the operating system, the CUDA driver or a budget refused
 * an allocation. The message says what failed and why; {@link #requestedBytes()} says how much
 * was asked. Nothing was allocated or freed by the failed call.
 */
public class PinnedMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long requestedBytes;

    /**
     * @param message what failed, with the size and the reason
     * @param requestedBytes how many bytes the failed call asked for
     */
    public PinnedMemoryException(String message, long requestedBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    /**
     * @param message what failed, with the size and the reason
     * @param requestedBytes how many bytes the failed call asked for
     * @param cause the underlying failure
     */
    public PinnedMemoryException(String message, long requestedBytes, Throwable cause) {
        super(message, cause);
        this.requestedBytes = requestedBytes;
    }

    /** {@return how many bytes the failed call asked for} */
    public long requestedBytes() {
        return requestedBytes;
    }
}
