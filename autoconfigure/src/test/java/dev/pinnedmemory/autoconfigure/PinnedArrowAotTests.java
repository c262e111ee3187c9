package dev.pinnedmemory.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ahead-of-time processing keeps the registrars, not what they register: the generated context
 * creates the Arrow allocator registrar, which registers the allocators again at start-up from the
 * run-time configuration, and has no code for the build-time allocators, pools or settings
 * themselves. The configuration properties bean is Spring Boot's, generated the standard way.
 */
class PinnedArrowAotTests {

    @Test
    void aotProcessingShouldGenerateTheRegistrarAndNoAllocatorDefinition() {
        InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            TestPropertyValues.of("pinned-memory.backend=unlocked", "pinned-memory.pools.batches.buffer-size=64KB")
                    .applyTo(context);
            context.register(AotApplication.class);
            DefaultGenerationContext generation = new DefaultGenerationContext(
                    new ClassNameGenerator(ClassName.get(AotApplication.class)), files);
            new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
            generation.writeGeneratedContent();
        }
        String sources = files.getGeneratedFiles(GeneratedFiles.Kind.SOURCE).values().stream().map(source -> {
            try (var in = source.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).collect(Collectors.joining("\n"));

        assertThat(sources).contains("pinnedArrowAllocatorRegistrar").contains("pinnedMemoryPoolRegistrar")
                .doesNotContain("batchesPinnedArrowAllocator").doesNotContain("batchesPinnedMemoryPool")
                .doesNotContain("\"pinnedMemorySettings\"");
        // The configprops bean is Boot's own registration, generated like any @ConfigurationProperties bean.
        assertThat(sources).contains("\"pinned-memory-dev.pinnedmemory.autoconfigure.PinnedMemoryProperties\"");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({PinnedMemoryAutoConfiguration.class, PinnedArrowAutoConfiguration.class})
    static class AotApplication {
    }
}
