package dev.pinnedmemory.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fuzz target's committed corpus ({@code <FuzzTests>Inputs/<method>/} beside the test class, as Jazzer reads it):
 * writes the seeds there, and checks that the committed files hold every seed byte for byte. Stateless.
 */
public final class FuzzCorpus {

    private FuzzCorpus() {
    }

    /** Writes every seed, named by its key, into {@code directory} (a seed class's {@code main}). */
    public static void write(String directory, Map<String, byte[]> seeds) throws IOException {
        Path target = Path.of(directory);
        Files.createDirectories(target);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Files.write(target.resolve(seed.getKey()), seed.getValue());
        }
    }

    /**
     * Asserts that the corpus of {@code fuzzTests}' method {@code method} holds every seed as {@code writer} (the seed
     * class whose {@code main} writes them) makes it.
     */
    public static void assertHoldsEverySeed(Class<?> fuzzTests, String method, Map<String, byte[]> seeds, Class<?> writer)
            throws IOException {
        String directory = fuzzTests.getSimpleName() + "Inputs/" + method + "/";
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            try (InputStream committed = fuzzTests.getResourceAsStream(directory + seed.getKey())) {
                String why = "seed " + seed.getKey() + " (run " + writer.getSimpleName() + ".main to write it)";
                assertThat(committed).as(why).isNotNull();
                assertThat(committed.readAllBytes()).as(why).isEqualTo(seed.getValue());
            }
        }
    }
}
