package dev.pinnedmemory.sample;

/**
 * What {@code POST /api/batches} answers: what arrived, where it went, and how long that took.
 *
 * @param elements float32 values received
 * @param bytes bytes received
 * @param pool the pool the pinned buffer came from
 * @param backend the page-locking backend behind that pool ({@code cuda}, {@code mlock}, {@code unlocked})
 * @param pageLocked whether the buffer was page-locked
 * @param device whether the batch was copied to a CUDA device and back
 * @param deviceName the device's name, or {@code null} without a device
 * @param checksum CRC-32 of the received bytes, as 8 hex digits (what {@code zlib.crc32} gives)
 * @param sum sum of the finite values, as a double
 * @param stagingMicros microseconds from the first byte read until the batch is in pinned memory, checked
 *     against its CRC and in the machine's byte order
 * @param transferMicros microseconds for the copy to the device and back, or {@code null} without a device
 * @param verified whether the bytes read back (from the device, or from the pinned buffer on a host
 *     without a device) equal the bytes received
 */
record BatchReceipt(long elements, long bytes, String pool, String backend, boolean pageLocked, boolean device,
                    String deviceName, String checksum, double sum, long stagingMicros, Long transferMicros,
                    boolean verified) {
}
