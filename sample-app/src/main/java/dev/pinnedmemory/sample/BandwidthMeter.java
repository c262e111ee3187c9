package dev.pinnedmemory.sample;

import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryHelper;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Measures host-to-device bandwidth from pinned memory (allocated for the measurement through the
 * {@link PinnedMemoryHelper}) against pageable memory (a Java heap array), as NVIDIA's
 * {@code bandwidthTest} does.
 *
 * <p>One measurement at a time: two at once would share the PCIe link and both be wrong, and each
 * takes up to twice its size in memory. A second concurrent request gets 429.
 */
@Service
class BandwidthMeter {

    private final PinnedMemoryHelper helper;
    private final CudaDevice cuda;
    private final Lock running = new ReentrantLock();

    BandwidthMeter(PinnedMemoryHelper helper, CudaDevice cuda) {
        this.helper = helper;
        this.cuda = cuda;
    }

    BandwidthReport measure(long bytes, int iterations) {
        String backend = helper.backend().name();
        if (!cuda.present()) {
            return BandwidthReport.noDevice(cuda.absenceReason(), backend, bytes);
        }
        if (!running.tryLock()) {
            throw new RequestRefusedException(HttpStatus.TOO_MANY_REQUESTS,
                    "a bandwidth measurement is already running; try again when it has finished");
        }
        try (PinnedBuffer<byte[]> pinned = helper.allocateUnmanaged(ElementType.BYTE, Math.toIntExact(bytes))) {
            byte[] pageable = new byte[Math.toIntExact(bytes)];
            pinned.fill(1);
            Arrays.fill(pageable, (byte) 1);
            double pinnedRate = cuda.hostToDeviceGigabytesPerSecond(CudaPointers.to(pinned.segment()), bytes,
                    iterations, true);
            double pageableRate = cuda.hostToDeviceGigabytesPerSecond(Pointer.to(pageable), bytes, iterations, false);
            String message = "host to device, " + iterations + " copies of " + bytes + " bytes each, timed with CUDA events"
                    + (helper.backend().name().equals("cuda") ? "" : "; the pinned side comes from backend '" + backend
                    + "', which CUDA does not know as page-locked, so expect little difference");
            return new BandwidthReport(true, message, backend, cuda.name(), bytes, iterations, round(pinnedRate),
                    round(pageableRate), round(pinnedRate / pageableRate));
        } finally {
            running.unlock();
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
