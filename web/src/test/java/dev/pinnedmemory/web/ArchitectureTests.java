package dev.pinnedmemory.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web module's shape: it depends on the core's API, Spring Web (MVC, WebFlux), the Servlet API and Reactor,
 * never on Spring Boot (so a plain Spring application can use it) nor on the auto-configuration, the Actuator
 * and metrics packages or the core's backends. Its public types are pinned here, and package-info names them,
 * so adding one is a deliberate act.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.web");

    private static final String DELIBERATE =
            "adding a public type is a deliberate act: add it here and to package-info.java (%s)";

    @Test
    void webShouldExposeExactlyWhatApplicationsUseAndWhatTheirConfigurationsRegister() throws IOException {
        assertThat(publicTypes("dev.pinnedmemory.web")).as(DELIBERATE, "dev.pinnedmemory.web").containsExactly(
                "EnablePinnedBody", "EnablePinnedBody$WebStack", "PinnedBody", "PinnedBodyArgumentResolver",
                "PinnedBodyException", "PinnedBodyExceptionHandler", "PinnedBodyParameterException",
                "PinnedBodyWebFilter", "PinnedBodyWebFluxConfiguration", "PinnedBodyWebMvcConfiguration",
                "PinnedDataBuffers", "ReactivePinnedBodyArgumentResolver");
        assertThat(unnamedInPackageInfo("dev.pinnedmemory.web"))
                .as(DELIBERATE, "package-info.java has no {@link} to them").isEmpty();
    }

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

    /** {@return the public types of {@code pkg}, nested ones as {@code Outer$Inner} where all enclosing types are public too} */
    private static Set<String> publicTypes(String pkg) {
        Set<String> names = new TreeSet<>();
        for (JavaClass type : CLASSES) {
            if (type.getPackageName().equals(pkg) && !type.getSimpleName().equals("package-info")
                    && !type.isAnonymousClass() && !type.isLocalClass() && isPublicAllTheWayOut(type)) {
                names.add(type.getName().substring(pkg.length() + 1));
            }
        }
        return names;
    }

    private static boolean isPublicAllTheWayOut(JavaClass type) {
        for (JavaClass at = type; at != null; at = at.getEnclosingClass().orElse(null)) {
            if (!at.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    /** {@return the public top-level types of {@code pkg} that its package-info.java does not link to} */
    private static Set<String> unnamedInPackageInfo(String pkg) throws IOException {
        String text = Files.readString(Path.of("src/main/java", pkg.replace('.', '/'), "package-info.java"));
        Set<String> unnamed = new TreeSet<>();
        for (String name : publicTypes(pkg)) {
            if (!name.contains("$") && !Pattern.compile("\\{@link(plain)?\\s+(" + Pattern.quote(pkg) + "\\.)?"
                    + name + "[\\s#}]").matcher(text).find()) {
                unnamed.add(name);
            }
        }
        return unnamed;
    }
}
