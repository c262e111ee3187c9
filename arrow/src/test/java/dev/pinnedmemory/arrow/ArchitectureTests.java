package dev.pinnedmemory.arrow;

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
 * The Arrow module's shape: one public entry point (pinned here and named in package-info, so adding a public
 * type is a deliberate act), final classes, no Spring, no JDK internals.
 */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pinnedmemory.arrow");

    private static final String DELIBERATE =
            "adding a public type is a deliberate act: add it here and to package-info.java (%s)";

    @Test
    void onlyPinnedArrowShouldBePublicAndEveryClassFinal() throws IOException {
        assertThat(CLASSES.size()).isGreaterThanOrEqualTo(3);
        assertThat(publicTypes("dev.pinnedmemory.arrow"))
                .as(DELIBERATE, "dev.pinnedmemory.arrow")
                .containsExactly("PinnedArrow");
        assertThat(unnamedInPackageInfo("dev.pinnedmemory.arrow"))
                .as(DELIBERATE, "package-info.java has no {@link} to them")
                .isEmpty();
        classes().that().areTopLevelClasses().and().areNotInterfaces().and().doNotHaveSimpleName("package-info")
                .should().haveModifier(JavaModifier.FINAL).check(CLASSES);
    }

    @Test
    void moduleShouldDependOnNeitherSpringNorJdkInternals() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "sun..", "jdk.internal..").check(CLASSES);
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
