package dev.pinnedmemory.sample;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped {@code application.yml} opts in to the {@code pinnedmemory} resize
 * ({@code management.endpoint.pinnedmemory.access: unrestricted}; the starter's default is
 * read-only), and the security rules still ask for role ADMIN.
 */
class EndpointAccessTests extends ShippedConfigTests {

    @Test
    void resizeByAdminShouldBeAppliedWithTheShippedConfiguration() {
        try {
            SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"8MB\"}", ADMIN);

            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("bufferBytes").asLong()).isEqualTo(8L * 1024 * 1024);
            assertThat(answer.json().path("sizeClasses").get(0).path("bufferBytes").asLong())
                    .as("the smallest class stays min-buffer-size").isEqualTo(64 * 1024);
            assertThat(frames.bufferSize()).isEqualTo(2 * 1024 * 1024);
        } finally {
            restoreFrames();
        }
    }

    @Test
    void resizeWithoutCredentialsShouldStill401() {
        SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"8MB\"}", null);

        assertThat(answer.status()).isEqualTo(401);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }
}
