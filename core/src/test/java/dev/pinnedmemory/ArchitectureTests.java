package dev.pinnedmemory;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core's architecture as rules: no package cycles ({@code backend} is the lowest layer, the
 * root package the API on it, {@code cuda} above both), no Spring, no class that reaches into JDK
 * internals, and the public API is what users need: the budget's reservations, the JCuda plumbing
 * and the standalone allocation stay inside. The public types of each package are pinned here, and
 * each package's {@code package-info.java} names them, so adding one is a deliberate act.
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

    private static final String DELIBERATE =
            "adding a public type is a deliberate act: add it here and to package-info.java (%s)";

    @Test
    void theRootPackageShouldExposeExactlyTheApi() {
        assertThat(publicTypes("dev.pinnedmemory")).as(DELIBERATE, "dev.pinnedmemory").containsExactly(
                "ElementType", "InvalidPoolSettingException", "LeakDetectionLevel", "LeakDetector", "MemoryBudget",
                "MemoryBudgetExceededException", "PinnedArray", "PinnedBuffer", "PinnedMemory", "PinnedMemoryException",
                "PinnedMemoryHelper", "PinnedMemoryPool", "PinnedMemoryPool$Builder", "PinnedMemoryPools",
                "PinningStrategy", "PinningStrategySelector", "PoolMetrics", "PoolMetrics$SizeClassMetrics",
                "PoolSettings", "PoolSettings$Builder", "PoolStats", "SizeClassStats", "TransferFence");
    }

    @Test
    void theBackendAndCudaPackagesShouldExposeExactlyWhatPoolsTheStarterAndUsersNeed() {
        assertThat(publicTypes("dev.pinnedmemory.backend")).as(DELIBERATE, "dev.pinnedmemory.backend").containsExactly(
                "BackendException", "BackendKind", "BackendReport", "BackendSelection", "NumaNode", "NumaPlacement",
                "NumaTopology", "PageLockingBackend", "PageLockingBackends", "PageLockingUnavailableException");
        assertThat(publicTypes("dev.pinnedmemory.cuda")).as(DELIBERATE, "dev.pinnedmemory.cuda").containsExactly(
                "CudaFence", "CudaPointers");
    }

    @Test
    void everyPackageInfoShouldNameEveryPublicTypeOfItsPackage() throws IOException {
        for (String pkg : Set.of("dev.pinnedmemory", "dev.pinnedmemory.backend", "dev.pinnedmemory.cuda")) {
            assertThat(unnamedInPackageInfo(pkg)).as(DELIBERATE, pkg + "'s package-info.java has no {@link} to them")
                    .isEmpty();
        }
    }

    /** {@return the public types of {@code pkg}, nested ones as {@code Outer$Inner} where all enclosing types are public too} */
    static Set<String> publicTypes(String pkg) {
        Set<String> names = new TreeSet<>();
        for (JavaClass type : CORE) {
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
        // The backends reach CUDA through one seam (CudaRuntime), whose JCuda side is JCudaRuntime.
        noClasses().that().resideOutsideOfPackage("dev.pinnedmemory.cuda..")
                .and().doNotHaveSimpleName("JCudaRuntime").and().doNotHaveSimpleName("CudaCalls")
                .and().doNotHaveSimpleName("HostPointer")
                .and(DescribedPredicate.not(DescribedPredicate.describe("nested in JCudaRuntime",
                        type -> type.getName().startsWith("dev.pinnedmemory.backend.JCudaRuntime$"))))
                .should().dependOnClassesThat().resideInAPackage("jcuda..").check(CORE);
    }

    /**
     * The engine's collaborators get what they need, not the engine: its fields are private (the
     * compiler keeps every other class from reading them), and these classes do not even name it.
     */
    @Test
    void resizerWaitingRentAndMetricsShouldNotDependOnTheEngine() {
        noClasses().that().haveNameMatching("dev\\.pinnedmemory\\.(Resizer|WaitingRent|PoolMetrics)(\\$.*)?")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.pinnedmemory.BlockPool")
                .check(CORE);
    }
    @Test
    void theApiShouldLiveInTheRootTheBackendAndTheCudaPackagesOnly() {
        Set<String> packages = new TreeSet<>();
        CORE.forEach(type -> packages.add(type.getPackageName()));
        assertThat(packages).containsExactly("dev.pinnedmemory", "dev.pinnedmemory.backend", "dev.pinnedmemory.cuda");
    }

    @Test
    void theCudaSurfaceUsersTouchShouldBeOnePackage() {
        classes().that().haveSimpleName("CudaPointers").or().haveSimpleName("CudaFence")
                .should().resideInAPackage("dev.pinnedmemory.cuda").andShould().bePublic().check(CORE);
        assertThat(CORE.contain("dev.pinnedmemory.cuda.CudaPointers")).isTrue();
        assertThat(CORE.contain("dev.pinnedmemory.backend.CudaPointers")).isFalse();
    }

    @Test
    void classesThatCallJCudaShouldNotBePublicButTheCudaSurface() {
        classes().that(dependOnJCuda()).and().doNotHaveSimpleName("CudaPointers").and().doNotHaveSimpleName("CudaFence")
                .should().notBePublic().check(CORE);
    }

    @Test
    void nothingOutsideTheCudaPackageShouldTouchCudaEvents() {
        noClasses().that().resideOutsideOfPackage("dev.pinnedmemory.cuda")
                .should().dependOnClassesThat().haveFullyQualifiedName("jcuda.runtime.cudaEvent_t")
                .orShould().callMethodWhere(DescribedPredicate.describe("a JCuda event call", call ->
                        call.getTargetOwner().getName().equals("jcuda.runtime.JCuda")
                                && call.getName().startsWith("cudaEvent")))
                .check(CORE);
    }

    /**
     * Users cannot change a reservation a pool holds: the one reserving method hands out a reservation of the
     * caller's own ({@code reserve(long, String)}, for memory no pool holds), which only its close gives back.
     */
    @Test
    void theBudgetShouldOfferUsersNoMethodThatChangesAReservation() {
        Set<String> publicMethods = new TreeSet<>();
        for (JavaMethod method : CORE.get(MemoryBudget.class).getMethods()) {
            if (method.getModifiers().contains(JavaModifier.PUBLIC)) {
                publicMethods.add(method.getName() + method.getRawParameterTypes().stream().map(JavaClass::getSimpleName).toList());
            }
        }
        assertThat(publicMethods).containsExactlyInAnyOrder("unlimited[]", "limitBytes[]", "usedBytes[]", "peakBytes[]",
                "resetPeak[]", "toString[]", "reserve[long, String]");
        Set<String> reservationMethods = new TreeSet<>();
        for (JavaMethod method : CORE.get(MemoryBudget.Reservation.class).getMethods()) {
            if (method.getModifiers().contains(JavaModifier.PUBLIC)) {
                reservationMethods.add(method.getName());
            }
        }
        assertThat(reservationMethods).containsExactlyInAnyOrder("bytes", "holder", "isReleased", "close", "toString");
    }

    @Test
    void leasesAndPinnedArraysShouldNotDependOnTheHelperNorOnPools() {
        noClasses().that().haveSimpleName("PinnedBuffer").or().haveSimpleName("PinnedArray")
                .should().transitivelyDependOnClassesThat().haveSimpleName("PinnedMemoryHelper")
                .check(CORE);
        noClasses().that().haveSimpleName("PinnedBuffer").or().haveSimpleName("PinnedArray")
                .should().dependOnClassesThat().haveSimpleName("PinnedMemoryPool")
                .check(CORE);
    }

    /** An allocation carries memory and its exactly-once free; what a pool keeps about it is the pool's entry. */
    @Test
    void anAllocationShouldKnowNothingOfPools() {
        noClasses().that().haveNameMatching("dev\\.pinnedmemory\\.NativeBlock(\\$.*)?")
                .should().dependOnClassesThat()
                .haveNameMatching("dev\\.pinnedmemory\\.(PooledBlock|SizeClasses|BlockLedger|BlockPool|PinnedMemoryPool)(\\$.*)?")
                .check(CORE);
    }

    private static DescribedPredicate<JavaClass> dependOnJCuda() {
        return DescribedPredicate.describe("depend on JCuda", type -> type.getDirectDependenciesFromSelf().stream()
                .anyMatch(dependency -> dependency.getTargetClass().getPackageName().startsWith("jcuda")));
    }
}
