package dev.pinnedmemory.inference.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pinnedmemory.inference.InferenceServer;
import dev.pinnedmemory.inference.ModelIndexEntry;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code inference} health contributor: UP when the tensor pool is open and every model is ready;
 * OUT_OF_SERVICE (503 over HTTP with Spring Boot's default mapping) naming the models that are not, so that
 * a readiness group holding it takes the instance out of rotation while a model warms up. Details: each
 * model and version with its state, and the pool. Reads the models' {@code isReady()}; owns nothing;
 * thread-safe.
 */
public class InferenceHealthIndicator extends AbstractHealthIndicator {

    private final InferenceServer server;

    /** @param server the server whose models to check */
    public InferenceHealthIndicator(InferenceServer server) {
        super("Inference health check failed");
        this.server = server;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Map<String, String> models = new LinkedHashMap<>();
        List<String> notReady = new ArrayList<>();
        for (ModelIndexEntry entry : server.repositoryIndex(false)) {
            String key = entry.version() == null ? entry.name() : entry.name() + "/" + entry.version();
            models.put(key, entry.state());
            if (!ModelIndexEntry.READY.equals(entry.state())) {
                notReady.add(key);
            }
        }
        boolean poolOpen = !server.pool().isClosed();
        if (notReady.isEmpty() && poolOpen) {
            builder.up();
        } else {
            builder.status(Status.OUT_OF_SERVICE);
            if (!notReady.isEmpty()) {
                builder.withDetail("notReady", notReady);
            }
            if (!poolOpen) {
                builder.withDetail("reason", "pool '" + server.pool().name() + "' is closed");
            }
        }
        builder.withDetail("models", models).withDetail("pool", server.pool().name());
    }
}
