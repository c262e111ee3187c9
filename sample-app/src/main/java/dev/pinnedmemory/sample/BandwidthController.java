package dev.pinnedmemory.sample;

import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/bandwidth?size=64MB&iterations=10}: host-to-device bandwidth from pinned versus
 * pageable memory; without a CUDA device, 200 with {@code devicePresent: false} and the reason.
 * Sizes are checked either way, so a bad size is 400 on every machine.
 */
@RestController
class BandwidthController {

    /** Largest copy measured: each measurement holds this much pinned and this much heap memory. */
    static final DataSize MAX_SIZE = DataSize.ofMegabytes(256);
    static final int MAX_ITERATIONS = 100;
    static final String DEFAULT_SIZE = "64MB";
    static final String DEFAULT_ITERATIONS = "10";

    private final BandwidthMeter meter;

    BandwidthController(BandwidthMeter meter) {
        this.meter = meter;
    }

    @GetMapping(path = "/api/bandwidth", produces = MediaType.APPLICATION_JSON_VALUE)
    BandwidthReport bandwidth(@RequestParam(required = false) String size,
                              @RequestParam(required = false) String iterations) {
        // Not defaultValue: Spring would also apply it to an empty value, and "size=" is a mistake to report.
        long bytes = RequestedSize.parse("size", size == null ? DEFAULT_SIZE : size, MAX_SIZE, 1);
        return meter.measure(bytes, parseIterations(iterations == null ? DEFAULT_ITERATIONS : iterations));
    }

    private static int parseIterations(String text) {
        int value;
        try {
            value = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 1 || value > MAX_ITERATIONS) {
            throw RequestRefusedException.badRequest("'iterations' must be a whole number from 1 to " + MAX_ITERATIONS
                    + " but was '" + RequestedSize.shown(text) + "'");
        }
        return value;
    }
}
