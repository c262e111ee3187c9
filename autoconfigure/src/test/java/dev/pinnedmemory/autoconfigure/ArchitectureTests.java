package dev.pinnedmemory.autoconfigure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's packages depend one way: {@code actuate} and {@code metrics} only on the core, the
 * auto-configuration on them (and on the web and Arrow modules, whose own rules live in their modules);
 * no cycles, and the core itself stays free of Spring.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory");

    @Test
    void packagesShouldBeFreeOfCycles() {
        assertThat(CLASSES.size()).isGreaterThan(50);
        slices().assignedFrom(dev.pinnedmemory.ArchitectureSlices.BY_PACKAGE).should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void actuateAndMetricsShouldDependOnTheCoreNotOnTheAutoConfigurationNorOnEachOther() {
        noClasses().that().resideInAnyPackage("dev.pinnedmemory.actuate..", "dev.pinnedmemory.metrics..")
                .should().dependOnClassesThat().resideInAPackage("dev.pinnedmemory.autoconfigure..").check(CLASSES);
        noClasses().that().resideInAPackage("dev.pinnedmemory.actuate..")
                .should().dependOnClassesThat().resideInAPackage("dev.pinnedmemory.metrics..").check(CLASSES);
        noClasses().that().resideInAPackage("dev.pinnedmemory.metrics..")
                .should().dependOnClassesThat().resideInAPackage("dev.pinnedmemory.actuate..").check(CLASSES);
    }

    /**
     * Spring Boot keeps a configuration properties bean's bind method under a package-private
     * attribute named after {@code BindMethod}; copying that key would tie the starter to Boot's
     * internals. The properties bean is registered the supported way ({@code @EnableConfigurationProperties}).
     */
    @Test
    void noClassShouldReachForBootsBindMethodAttribute() {
        noClasses().should().dependOnClassesThat()
                .haveFullyQualifiedName("org.springframework.boot.context.properties.bind.BindMethod")
                .check(CLASSES);
    }

    @Test
    void theCoreShouldNotDependOnSpring() {
        noClasses().that().resideInAnyPackage("dev.pinnedmemory", "dev.pinnedmemory.backend..", "dev.pinnedmemory.cuda..")
                .should().dependOnClassesThat().resideInAPackage("org.springframework..").check(CLASSES);
    }
}
