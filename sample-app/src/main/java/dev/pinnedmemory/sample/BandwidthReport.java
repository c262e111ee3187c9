package dev.pinnedmemory.sample;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What {@code GET /api/bandwidth} answers. Without a device only {@code devicePresent},
 * {@code message}, {@code backend} and {@code bytes} are set; the rest are left out.
 *
 * @param devicePresent whether a CUDA device was there to measure
 * @param message what was measured, or why nothing was
 * @param backend the page-locking backend that allocated the pinned side
 * @param deviceName device 0's name
 * @param bytes bytes per copy
 * @param iterations timed copies per kind of memory
 * @param pinnedGigabytesPerSecond host-to-device bandwidth from pinned memory, 10^9 bytes per second
 * @param pageableGigabytesPerSecond host-to-device bandwidth from a Java heap array
 * @param pinnedToPageableRatio how many times faster pinned memory was
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record BandwidthReport(boolean devicePresent, String message, String backend, String deviceName, long bytes,
                       Integer iterations, Double pinnedGigabytesPerSecond, Double pageableGigabytesPerSecond,
                       Double pinnedToPageableRatio) {

    static BandwidthReport noDevice(String reason, String backend, long bytes) {
        return new BandwidthReport(false, "no CUDA device: " + reason, backend, null, bytes, null, null, null, null);
    }
}
