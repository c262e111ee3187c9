package dev.pinnedmemory.inference.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelIndexEntry;
import dev.pinnedmemory.inference.ModelMetadata;
import dev.pinnedmemory.inference.SharedMemoryRegionStatus;
import dev.pinnedmemory.inference.SharedMemoryRegistry;
import dev.pinnedmemory.inference.TensorMetadata;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code inference} Actuator endpoint: the server (name, version, extensions, readiness, the pool
 * tensors are rented from, its largest tensor, the limits), every model with its versions, readiness and
 * tensors, and the system shared memory regions with their limits and counters ({@code GET /actuator/inference}); one model ({@code GET /actuator/inference/{model}}, 404 for
 * an unknown one). Read-only. Owns nothing; thread-safe.
 */
@Endpoint(id = "inference")
public class InferenceEndpoint {

    private final InferenceServer server;

    /** @param server the server to describe */
    public InferenceEndpoint(InferenceServer server) {
        this.server = server;
    }

    /** {@return the server and every model} */
    @ReadOperation
    public InferenceDescriptor inference() {
        Map<String, ModelDescriptor> models = new LinkedHashMap<>();
        for (ModelMetadata metadata : server.models()) {
            models.merge(metadata.name(), describe(metadata), ModelDescriptor::merge);
        }
        return new InferenceDescriptor(server.metadata().name(), server.metadata().version(), server.metadata().extensions(),
                server.isReady(), server.pool().name(), server.maxTensorBytes(), server.limits().maxInputs(),
                server.limits().maxHeaderBytes(), models, sharedMemory(server.sharedMemory()));
    }

    private static SharedMemoryDescriptor sharedMemory(SharedMemoryRegistry regions) {
        return new SharedMemoryDescriptor(regions.isEnabled(), regions.backendName(), regions.limits().maxRegions(),
                regions.limits().maxTotalBytes(), regions.limits().unregisterTimeout().toMillis(), regions.heldRegionCount(),
                regions.heldBytes(), regions.registrations(), regions.refusedRegistrations(), regions.unregistrations(),
                regions.copiedBytes(), regions.isEnabled() ? regions.status(null) : List.of());
    }

    /** {@return the model named {@code model}, or null (404 over HTTP) if there is none} */
    @ReadOperation
    public @Nullable ModelDescriptor model(@Selector String model) {
        return inference().models().get(model);
    }

    private ModelDescriptor describe(ModelMetadata metadata) {
        List<ModelIndexEntry> rows = server.repositoryIndex(false).stream()
                .filter(row -> row.name().equals(metadata.name())
                        && (row.version() == null ? metadata.versions().isEmpty() : metadata.versions().contains(row.version())))
                .toList();
        boolean ready = rows.stream().allMatch(row -> ModelIndexEntry.READY.equals(row.state()));
        return new ModelDescriptor(metadata.name(), metadata.versions(), metadata.platform(), ready,
                metadata.inputs(), metadata.outputs());
    }

    /**
     * The response of {@code GET /actuator/inference}.
     *
     * @param name the server's name
     * @param version the server's version
     * @param extensions the protocol extensions it supports
     * @param ready whether the pool is open and every model ready
     * @param pool the byte pool input tensors are rented from
     * @param maxTensorBytes the largest tensor the pool takes (its largest buffer)
     * @param maxInputs most inputs per request ({@code pinned-memory.inference.max-inputs})
     * @param maxHeaderBytes most bytes of a request's JSON ({@code pinned-memory.inference.max-header-size})
     * @param models every model by name
     * @param sharedMemory the system shared memory extension: its limits, counters and registered regions
     */
    public record InferenceDescriptor(String name, String version, List<String> extensions, boolean ready, String pool,
                                      long maxTensorBytes, int maxInputs, long maxHeaderBytes,
                                      Map<String, ModelDescriptor> models, SharedMemoryDescriptor sharedMemory)
            implements OperationResponseBody {
    }

    /**
     * The system shared memory extension ({@code pinned-memory.inference.shared-memory.*}).
     *
     * @param enabled whether clients may register regions
     * @param backend the backend that page-locks them ({@code mlock}, {@code cuda}, ...; {@code none} when off)
     * @param maxRegions most regions at once ({@code max-regions})
     * @param maxTotalBytes most bytes of all regions together ({@code max-total-size})
     * @param unregisterTimeoutMillis how long an unregister waits for the requests using its region ({@code unregister-timeout})
     * @param heldRegions regions whose memory is held now, those being unregistered whose requests still run included
     * @param heldBytes their bytes: mapped, page-locked and counted against the pools' budget
     * @param registrations registrations that succeeded
     * @param refusedRegistrations registrations refused
     * @param unregistrations regions unregistered
     * @param copiedBytes output bytes copied into regions because a model answered in memory of its own
     * @param regions every registered region
     */
    public record SharedMemoryDescriptor(boolean enabled, String backend, int maxRegions, long maxTotalBytes,
                                         long unregisterTimeoutMillis, int heldRegions, long heldBytes, long registrations,
                                         long refusedRegistrations, long unregistrations, long copiedBytes,
                                         List<SharedMemoryRegionStatus> regions) {
    }

    /**
     * One model: its name, versions (of every model bean serving the name), platform, readiness and tensors.
     *
     * @param name the model's name
     * @param versions its versions
     * @param platform its platform
     * @param ready whether it serves requests now
     * @param inputs its inputs
     * @param outputs its outputs
     */
    public record ModelDescriptor(String name, List<String> versions, String platform, boolean ready,
                                  List<TensorMetadata> inputs, List<TensorMetadata> outputs) implements OperationResponseBody {

        ModelDescriptor merge(ModelDescriptor other) {
            List<String> all = new java.util.ArrayList<>(versions);
            all.addAll(other.versions());
            return new ModelDescriptor(name, List.copyOf(all), platform, ready && other.ready(), inputs, outputs);
        }
    }
}
