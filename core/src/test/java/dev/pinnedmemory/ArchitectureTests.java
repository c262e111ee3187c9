package dev.pinnedmemory;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core's architecture as rules: no package cycles ({@code backend} is the lowest layer, the
 * root package the API on it, {@code cuda} above both), no Spring, and no class that reaches into
 * JDK internals.
 */
class ArchitectureTests {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory");

    /** Every package its own slice, the root package too (ArchUnit's patterns only capture subpackages). */
    static final SliceAssignment BY_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            return javaClass.getPackageName().startsWith("dev.pinnedmemory")
                    ? SliceIdentifier.of(javaClass.getPackageName()) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "packages of dev.pinnedmemory";
        }
    };

    @Test
    void packagesShouldBeFreeOfCycles() {
        assertThat(CORE.size()).isGreaterThan(30);
        slices().assignedFrom(BY_PACKAGE).should().beFreeOfCycles().check(CORE);
    }

    @Test
    void backendsShouldDependOnNothingElseOfTheLibrary() {
        noClasses().that().resideInAPackage("dev.pinnedmemory.backend..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pinnedmemory", "dev.pinnedmemory.cuda..")
                .check(CORE);
    }

    @Test
    void coreShouldNotDependOnSpringNorOnJdkInternals() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "sun..", "jdk.internal..")
                .check(CORE);
    }

    @Test
    void onlyTheCudaClassesShouldTouchJCuda() {
        noClasses().that().resideOutsideOfPackage("dev.pinnedmemory.cuda..")
                .and().doNotHaveSimpleName("CudaBackend").and().doNotHaveSimpleName("CudaRuntime")
                .and().doNotHaveSimpleName("CudaCalls").and().doNotHaveSimpleName("CudaPointers")
                .and(com.tngtech.archunit.base.DescribedPredicate.not(JavaClass.Predicates.simpleNameStartingWith("CudaRuntime$")))
                .should().dependOnClassesThat().resideInAPackage("jcuda..").check(CORE);
    }

    /**
     * The engine's collaborators get what they need, not the engine: its fields are private (the
     * compiler keeps every other class from reading them), and these classes do not even name it.
     */
    @Test
    void resizerWaitingRentAndMetricsShouldNotDependOnTheEngine() {
        noClasses().that().haveNameMatching("dev\\.pinnedmemory\\.(Resizer|WaitingRent|PoolMetrics)(\\$.*)?")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.pinnedmemory.PoolEngine")
                .check(CORE);
    }
}
