package dev.pinnedmemory.sample;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code management.endpoint.pinnedmemory.access} back at the starter's default,
 * {@code read-only}, the resize is gone: an authenticated ADMIN's POST gets 405 and changes
 * nothing, while reads still work.
 */
@TestPropertySource(properties = "management.endpoint.pinnedmemory.access=read-only")
class ReadOnlyEndpointTests extends RunningServiceTests {

    private static final String FRAMES = "/actuator/pinnedmemory/frames";

    @Test
    void resizeByAdminShouldBe405WhenTheEndpointIsReadOnly() {
        SampleClient.Answer answer = client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", SampleClient.ADMIN);

        assertThat(answer.status()).as(answer.body()).isEqualTo(405);
        assertThat(frames.stats().bufferBytes()).isEqualTo(FRAME_BYTES);
    }

    @Test
    void resizeWithoutCredentialsShouldStillBe401() {
        assertThat(client.postJson(FRAMES, "{\"bufferSize\":\"128KB\"}", null).status()).isEqualTo(401);
    }

    @Test
    void readsShouldStillWork() {
        SampleClient.Answer answer = client.get(FRAMES);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("bufferBytes").asLong()).isEqualTo(FRAME_BYTES);
    }
}
