package dev.pinnedmemory.sample;

import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.test.CheckPinnedMemoryLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole service on a random port with the configuration it ships with ({@code application.yml}
 * only: frames 4MB with size classes from 64KB and a 2s max-wait, labels 64KB, budget 64MB), except
 * for the admin password. Subclasses share one application context. After every test both pools
 * must be quiet and whole, and frames back at 4MB.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sample.admin.password=shipped-admin-secret")
@CheckPinnedMemoryLeaks
abstract class ShippedConfigTests {

    static final String ADMIN = "admin:shipped-admin-secret";
    static final int FRAME_BYTES = 4 * 1024 * 1024;
    static final long BUDGET_BYTES = 64L * 1024 * 1024;
    static final String FRAMES = "/actuator/pinnedmemory/frames";

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("frames")
    PinnedMemoryPool<float[]> frames;

    @Autowired
    @Qualifier("labels")
    PinnedMemoryPool<int[]> labels;

    SampleClient client;

    @BeforeEach
    void connect() {
        client = new SampleClient(port);
    }

    @AfterEach
    void poolsShouldBeQuietAndWhole() {
        RunningServiceTests.assertPoolsQuietAndWhole(BUDGET_BYTES, frames, labels);
        assertThat(frames.stats().bufferBytes()).as("frames buffer size after the test").isEqualTo(FRAME_BYTES);
    }

    /** Puts frames back to the shipped size after a test that resized it. */
    void restoreFrames() {
        if (frames.stats().bufferBytes() != FRAME_BYTES) {
            frames.resize(FRAME_BYTES / Float.BYTES);
        }
    }
}
