package dev.pinnedmemory.arrow;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/** The Arrow module's shape: one public entry point, final classes, no Spring, no JDK internals. */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.arrow");

    @Test
    void onlyPinnedArrowShouldBePublicAndEveryClassFinal() {
        assertThat(CLASSES.size()).isGreaterThanOrEqualTo(3);
        classes().that().arePublic().should().haveSimpleName("PinnedArrow").check(CLASSES);
        classes().that().areTopLevelClasses().and().areNotInterfaces().and().doNotHaveSimpleName("package-info")
                .should().haveModifier(JavaModifier.FINAL).check(CLASSES);
    }

    @Test
    void moduleShouldDependOnNeitherSpringNorJdkInternals() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "sun..", "jdk.internal..").check(CLASSES);
    }
}
