package dev.pinnedmemory.docs;

import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.web.PinnedBody;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Handlers the documented web configurations are tried with. */
final class SnippetControllers {

    private SnippetControllers() {
    }

    /** Answers the number of floats that arrived in the lease of pool {@code frames}. */
    @RestController
    static class Frames {

        @PostMapping("/frames")
        String stage(@PinnedBody("frames") PinnedBuffer<float[]> batch) {
            return Integer.toString(batch.length());
        }
    }
}
