package dev.pinnedmemory.inference;

/**
 * One registered system shared memory region as the status endpoints and the Actuator show it: the protocol's
 * {@code name}, {@code key}, {@code offset} and {@code byte_size}, and what this server did with it.
 *
 * <p>An immutable snapshot; thread-safe.
 *
 * @param name the region's name, which tensors refer to ({@code shared_memory_region})
 * @param key the shared memory object's key, as {@code shm_open} takes it: {@code /name}, the file {@code /dev/shm/name}
 * @param offset where the region starts in the object, in bytes
 * @param byteSize the region's size in bytes
 * @param pageLocked whether its pages are locked ({@code mlock}, or pinned by the CUDA driver)
 * @param lockedWith how: {@code mlock}, {@code cudaHostRegister}, or {@code none} (the {@code unlocked} backend)
 * @param activeRequests the requests using it now
 * @param requests the requests that used it since it was registered
 * @param copiedBytes output bytes the server copied into it because a model answered in memory of its own
 *     (0 when every model wrote its outputs where {@code InferenceRequest.outputMemory} said)
 */
public record SharedMemoryRegionStatus(String name, String key, long offset, long byteSize, boolean pageLocked,
                                       String lockedWith, int activeRequests, long requests, long copiedBytes) {
}
