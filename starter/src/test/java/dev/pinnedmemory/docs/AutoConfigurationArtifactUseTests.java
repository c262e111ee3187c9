package dev.pinnedmemory.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No code a user writes or copies needs a type of the auto-configuration artifact
 * ({@code pinned-memory-spring-boot-autoconfigure}: packages {@code autoconfigure}, {@code actuate},
 * {@code metrics}): neither the sample service, nor the test support users add, nor any code block of the READMEs
 * and docs/. What users call lives in the libraries (core, web, arrow); the auto-configuration only wires them.
 */
class AutoConfigurationArtifactUseTests {

    private static final Pattern AUTOCONFIGURE_TYPE = Pattern.compile(
            "\\bdev\\.pinnedmemory\\.(autoconfigure|actuate|metrics)\\.[A-Z]");

    @Test
    void userCodeAndDocumentedCodeShouldNeverNameATypeOfTheAutoConfigurationArtifact() {
        List<String> uses = new ArrayList<>();
        for (String module : List.of("sample-app", "test-support")) {
            try (Stream<Path> files = Files.walk(Project.root().resolve(module).resolve("src/main"))) {
                files.filter(Files::isRegularFile).forEach(file -> {
                    String text = Project.read(file);
                    if (AUTOCONFIGURE_TYPE.matcher(text).find()) {
                        uses.add(Project.root().relativize(file).toString());
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (Path file : Project.markdownFiles()) {
            for (MarkdownSnippets.Block block : MarkdownSnippets.read(file).blocks()) {
                if (AUTOCONFIGURE_TYPE.matcher(block.text()).find()) {
                    uses.add(block.where(0));
                }
            }
        }
        assertThat(uses).isEmpty();
    }
}
