package dev.pinnedmemory.actuate;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pinnedmemory.backend.BackendReport;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The backend part of the {@code pinnedmemory} endpoint's response. Immutable snapshot.
 *
 * @param name the backend in use: {@code cuda}, {@code mlock} or {@code unlocked}
 * @param pageLocked whether its memory is page-locked
 * @param requested what was configured ({@code pinned-memory.backend})
 * @param skipped why each backend tried before it was not used, by backend name
 * @param cudaDeviceCount CUDA devices seen, or -1 where CUDA could not be asked
 * @param cudaDeviceName the name of CUDA device 0, or null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)   // a null field is sent as null, as documented, also by Actuator's mapper
public record BackendDescriptor(String name, boolean pageLocked, String requested, Map<String, String> skipped,
                                int cudaDeviceCount, @Nullable String cudaDeviceName) implements OperationResponseBody {

    /** {@return the descriptor of a backend selection report} */
    public static BackendDescriptor of(BackendReport report) {
        return new BackendDescriptor(report.name(), report.pageLocked(), report.requested(), report.skipped(),
                report.cudaDeviceCount(), report.cudaDeviceName());
    }
}
