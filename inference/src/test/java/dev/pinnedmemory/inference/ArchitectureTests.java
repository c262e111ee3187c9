package dev.pinnedmemory.inference;

import java.util.Set;
import java.util.TreeSet;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inference module's shape: the public types of each package pinned (adding one is a deliberate act: the
 * shared memory extension added its registry, limits and region status to the rules, its meters and its part of
 * the endpoint),
 * the rules free of every transport and framework (so gRPC and shared memory reuse them as they are), the
 * transports and operations on top, nothing depending on the auto-configuration or the web module.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.inference");

    @Test
    void theRootPackageShouldExposeExactlyTheSpiAndTheTransportNeutralRules() {
        assertThat(publicTypes("dev.pinnedmemory.inference")).containsExactly(
                "Datatype", "DeclaredInput", "InferenceCall", "InferenceException", "InferenceException$Reason",
                "InferenceLimits", "InferenceModel", "InferenceObserver", "InferenceObserver$CompletedRequest",
                "InferenceRequest", "InferenceResponse", "InferenceResponse$Builder", "InferenceResponse$Output",
                "InferenceServer", "InferenceServer$Builder", "InferenceTensor", "ModelIndexEntry", "ModelMetadata",
                "RequestedOutput", "ResponseOutput", "ServerMetadata", "SharedMemoryLimits", "SharedMemoryRegionStatus",
                "SharedMemoryRegistry", "TensorMetadata", "TensorSink", "TensorSource", "TensorSources");
    }

    @Test
    void theTransportAndOperationPackagesShouldExposeOnlyWhatAnApplicationRegisters() {
        assertThat(publicTypes("dev.pinnedmemory.inference.rest")).containsExactly("InferenceRestController");
        assertThat(publicTypes("dev.pinnedmemory.inference.metrics")).containsExactly("InferenceMeters", "SharedMemoryMeters");
        assertThat(publicTypes("dev.pinnedmemory.inference.actuate")).containsExactly("InferenceEndpoint",
                "InferenceEndpoint$InferenceDescriptor", "InferenceEndpoint$ModelDescriptor",
                "InferenceEndpoint$SharedMemoryDescriptor", "InferenceHealthIndicator");
    }

    @Test
    void theRulesShouldDependOnNoTransportAndNoFramework() {
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta..", "tools.jackson..",
                        "io.micrometer..", "io.grpc..", "com.google.protobuf..", "dev.pinnedmemory.inference.rest..",
                        "dev.pinnedmemory.inference.metrics..", "dev.pinnedmemory.inference.actuate..")
                .check(CLASSES);
    }

    @Test
    void theModuleShouldNeverDependOnTheAutoConfigurationOrTheWebModule() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.pinnedmemory.autoconfigure..",
                "dev.pinnedmemory.web..", "dev.pinnedmemory.actuate..", "sun..", "jdk.internal..").check(CLASSES);
    }

    @Test
    void packagesShouldHaveNoCyclesAndTransportsShouldNotKnowEachOther() {
        slices().matching("dev.pinnedmemory.inference.(*)..").should().beFreeOfCycles().check(CLASSES);
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference.rest")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pinnedmemory.inference.metrics..",
                        "dev.pinnedmemory.inference.actuate..").check(CLASSES);
    }

    @Test
    void everyTopLevelClassShouldBeFinalExceptTheActuatorExtensionPoints() {
        classes().that().areTopLevelClasses().and().areNotInterfaces().and().areNotEnums().and().areNotRecords()
                .and().doNotHaveSimpleName("package-info")
                .and().resideOutsideOfPackage("dev.pinnedmemory.inference.actuate")
                .should().haveModifier(JavaModifier.FINAL).check(CLASSES);
    }

    private static Set<String> publicTypes(String packageName) {
        Set<String> names = new TreeSet<>();
        for (JavaClass type : CLASSES) {
            if (type.getPackageName().equals(packageName) && type.getModifiers().contains(JavaModifier.PUBLIC)
                    && !type.getSimpleName().equals("package-info")) {
                names.add(type.getName().substring(packageName.length() + 1));
            }
        }
        return names;
    }
}
