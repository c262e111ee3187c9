package dev.pinnedmemory.web;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web module's shape: it depends on the core's API, Spring Web (MVC, WebFlux), the Servlet API and Reactor,
 * never on Spring Boot (so a plain Spring application can use it) nor on the auto-configuration, the Actuator
 * and metrics packages or the core's backends.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.web");

    @Test
    void webShouldDependOnlyOnTheCoreSpringWebServletAndReactor() {
        assertThat(CLASSES.size()).isGreaterThan(15);
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("dev.pinnedmemory", "dev.pinnedmemory.web..",
                        "java..", "org.jspecify..", "org.springframework..", "jakarta.servlet..", "reactor..",
                        "org.reactivestreams..")
                .check(CLASSES);
    }

    @Test
    void webShouldNeverNeedSpringBootNorTheAutoConfiguration() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework.boot..",
                        "dev.pinnedmemory.autoconfigure..", "dev.pinnedmemory.actuate..", "dev.pinnedmemory.metrics..",
                        "dev.pinnedmemory.backend..")
                .check(CLASSES);
    }
}
