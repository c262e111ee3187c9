package dev.pinnedmemory.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inference module's shape: the public types of each package pinned and named in its package-info (adding
 * one is a deliberate act; the root package's rules for transports are public only for the transport packages;
 * the shared memory extension added its registry, limits and region status, its meters and its part of the
 * endpoint),
 * the rules free of every transport and framework (so gRPC and shared memory reuse them as they are), the
 * transports and operations on top, nothing depending on the auto-configuration or the web module.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.inference");

    private static final String DELIBERATE =
            "adding a public type is a deliberate act: add it here and to package-info.java (%s)";

    @Test
    void theRootPackageShouldExposeExactlyTheSpiAndTheTransportNeutralRules() {
        assertThat(publicTypes("dev.pinnedmemory.inference")).as(DELIBERATE, "dev.pinnedmemory.inference").containsExactly(
                "Datatype", "DeclaredInput", "InferenceCall", "InferenceException", "InferenceException$Reason",
                "InferenceLimits", "InferenceModel", "InferenceObserver", "InferenceObserver$CompletedRequest",
                "InferenceRequest", "InferenceResponse", "InferenceResponse$Builder", "InferenceResponse$Output",
                "InferenceServer", "InferenceServer$Builder", "InferenceTensor", "ModelIndexEntry", "ModelMetadata",
                "RequestedOutput", "ResponseOutput", "ServerMetadata", "SharedMemoryLimits", "SharedMemoryRegionStatus",
                "SharedMemoryRegistry", "TensorMetadata", "TensorSink", "TensorSource", "TensorSources");
    }

    @Test
    void theTransportAndOperationPackagesShouldExposeOnlyWhatAnApplicationRegisters() {
        assertThat(publicTypes("dev.pinnedmemory.inference.rest")).as(DELIBERATE, "dev.pinnedmemory.inference.rest")
                .containsExactly("InferenceRestController");
        assertThat(publicTypes("dev.pinnedmemory.inference.grpc")).as(DELIBERATE, "dev.pinnedmemory.inference.grpc")
                .containsExactly("GrpcInferenceService", "NettyFrameSize");
        assertThat(publicTypes("dev.pinnedmemory.inference.metrics")).as(DELIBERATE, "dev.pinnedmemory.inference.metrics")
                .containsExactly("InferenceMeters", "SharedMemoryMeters");
        assertThat(publicTypes("dev.pinnedmemory.inference.actuate")).as(DELIBERATE, "dev.pinnedmemory.inference.actuate")
                .containsExactly("InferenceEndpoint", "InferenceEndpoint$InferenceDescriptor",
                        "InferenceEndpoint$ModelDescriptor", "InferenceEndpoint$SharedMemoryDescriptor",
                        "InferenceHealthIndicator");
    }

    @Test
    void everyPackageInfoShouldNameEveryPublicTypeOfItsPackage() throws IOException {
        for (String pkg : List.of("dev.pinnedmemory.inference", "dev.pinnedmemory.inference.rest",
                "dev.pinnedmemory.inference.grpc", "dev.pinnedmemory.inference.metrics",
                "dev.pinnedmemory.inference.actuate")) {
            assertThat(unnamedInPackageInfo(pkg)).as(DELIBERATE, pkg + "'s package-info.java has no {@link} to them")
                    .isEmpty();
        }
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
