package dev.pinnedmemory.backend;

/**
 * A chosen backend and the report of how it was chosen. Immutable; thread-safe.
 *
 * @param backend the backend to allocate from
 * @param report what was chosen, why, and what was skipped
 */
public record BackendSelection(PageLockingBackend backend, BackendReport report) {
}
