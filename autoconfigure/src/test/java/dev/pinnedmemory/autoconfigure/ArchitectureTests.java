package dev.pinnedmemory.autoconfigure;

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

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's packages depend one way: {@code actuate} and {@code metrics} only on the core, the
 * auto-configuration on them (and on the web and Arrow modules, whose own rules live in their modules);
 * no cycles, and the core itself stays free of Spring. The public types of each package are pinned here, and
 * each package-info names them, so adding one is a deliberate act: what Spring Boot registers through
 * {@code spring.factories} or an auto-configuration's {@code @Bean} method (failure analyzers, runtime hints,
 * registrars, the warm-up) stays package-private.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory");

    private static final String DELIBERATE =
            "adding a public type is a deliberate act: add it here and to package-info.java (%s)";

    @Test
    void theAutoConfigurationPackageShouldExposeTheAutoConfigurationsThePropertiesAndTheSettings() {
        assertThat(publicTypes("dev.pinnedmemory.autoconfigure")).as(DELIBERATE, "dev.pinnedmemory.autoconfigure")
                .containsExactly("InvalidPinnedMemoryPropertyException", "PinnedArrowAutoConfiguration",
                        "PinnedBodyWebFluxAutoConfiguration", "PinnedBodyWebMvcAutoConfiguration",
                        "PinnedInferenceAutoConfiguration", "PinnedInferenceEndpointAutoConfiguration",
                        "PinnedInferenceGrpcAutoConfiguration", "PinnedInferenceMetricsAutoConfiguration",
                        "PinnedInferenceProperties", "PinnedInferenceProperties$Grpc", "PinnedInferenceProperties$Rest",
                        "PinnedInferenceWebMvcAutoConfiguration", "PinnedMemoryAutoConfiguration",
                        "PinnedMemoryEndpointAutoConfiguration", "PinnedMemoryHealthContributorAutoConfiguration",
                        "PinnedMemoryMetricsAutoConfiguration", "PinnedMemoryProperties", "PinnedMemoryProperties$Pool",
                        "PinnedMemoryProperties$Strategy", "PinnedMemorySettings");
    }

    @Test
    void theActuatorAndMetricsPackagesShouldExposeTheEndpointItsResponsesTheHealthAndTheBinder() {
        assertThat(publicTypes("dev.pinnedmemory.actuate")).as(DELIBERATE, "dev.pinnedmemory.actuate")
                .containsExactly("BackendDescriptor", "BudgetDescriptor", "PeaksDescriptor", "PinnedMemoryDescriptor",
                        "PinnedMemoryEndpoint", "PinnedMemoryEndpointWebExtension", "PinnedMemoryError",
                        "PinnedMemoryHealthIndicator", "PoolDescriptor", "PoolResizeException");
        assertThat(publicTypes("dev.pinnedmemory.metrics")).as(DELIBERATE, "dev.pinnedmemory.metrics")
                .containsExactly("PinnedMemoryPoolMetrics");
    }

    @Test
    void everyPackageInfoShouldNameEveryPublicTypeOfItsPackage() throws IOException {
        for (String pkg : List.of("dev.pinnedmemory.autoconfigure", "dev.pinnedmemory.actuate", "dev.pinnedmemory.metrics")) {
            assertThat(unnamedInPackageInfo(pkg)).as(DELIBERATE, pkg + "'s package-info.java has no {@link} to them")
                    .isEmpty();
        }
    }

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
