package dev.pinnedmemory.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A small GPU data service on the pinned-memory starter: it streams float32 batches into pinned
 * buffers from the {@code frames} pool and stages them for a CUDA device when there is one
 * ({@code POST /api/batches}), measures pinned versus pageable upload bandwidth
 * ({@code GET /api/bandwidth}), and shows the pools through Actuator ({@code /actuator/pinnedmemory},
 * {@code /actuator/prometheus}), with the resize operation behind HTTP Basic.
 *
 * <p>Run it with native access enabled: the packaged jar's manifest does that for {@code java -jar};
 * elsewhere pass {@code --enable-native-access=ALL-UNNAMED}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
