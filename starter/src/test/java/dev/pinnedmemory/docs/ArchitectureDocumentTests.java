package dev.pinnedmemory.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/ARCHITECTURE.md} against the source tree as it is at test time: its module list names every
 * module of the parent pom with its artifact, its packages table has a row for every package of the library
 * modules and none for a package that is gone, and for every such package a section {@code ### Inside `pkg`}
 * whose table has one row per main type (a class, interface, enum or record of {@code src/main/java}, named in
 * backticks in the row's first cell, several to a row allowed) and no row for a type that is gone. Adding,
 * renaming or folding away a class therefore means saying in that page what it is for.
 */
class ArchitectureDocumentTests {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern INSIDE = Pattern.compile("^### Inside `([a-z.]+)`\\s*$");

    private final String architecture = Project.read(Project.root().resolve("docs/ARCHITECTURE.md"));

    @Test
    void moduleListShouldNameEveryModuleWithItsArtifact() {
        String block = section("## Modules");
        block = block.substring(block.indexOf("```") + 3, block.indexOf("```", block.indexOf("```") + 3));
        Map<String, String> listed = new TreeMap<>();
        for (String line : block.strip().split("\n")) {
            String[] words = line.strip().split("\\s+");
            listed.put(words[0].replaceAll("/$", ""), words.length > 1 ? words[1] : "");
        }
        assertThat(listed).isEqualTo(new TreeMap<>(Project.modules()));
    }

    @Test
    void packagesTableShouldHaveARowForEveryPackageOfTheLibraries() {
        Set<String> rows = new TreeSet<>();
        for (List<String> row : tableRows(section("## Packages"))) {
            rows.addAll(codeIn(row.getFirst()));
        }
        assertThat(rows).isEqualTo(typesByPackage().keySet());
    }

    @Test
    void everyMainTypeShouldHaveARowInsideItsPackageAndEveryRowAType() {
        Map<String, Set<String>> types = typesByPackage();
        Map<String, Set<String>> documented = new TreeMap<>();
        String current = null;
        StringBuilder section = new StringBuilder();
        for (String line : (architecture + "\n## end\n").split("\n")) {
            Matcher inside = INSIDE.matcher(line);
            if (inside.matches() || line.startsWith("## ") || line.startsWith("### ")) {
                if (current != null) {
                    Set<String> names = new TreeSet<>();
                    tableRows(section.toString()).forEach(row -> names.addAll(codeIn(row.getFirst())));
                    documented.put(current, names);
                }
                current = inside.matches() ? inside.group(1) : null;
                section.setLength(0);
            } else if (current != null) {
                section.append(line).append('\n');
            }
        }
        List<String> problems = new ArrayList<>();
        types.forEach((pkg, names) -> {
            Set<String> rows = documented.get(pkg);
            if (rows == null) {
                problems.add("no section '### Inside `" + pkg + "`' (types " + names + ")");
                return;
            }
            Set<String> missing = new TreeSet<>(names);
            missing.removeAll(rows);
            Set<String> gone = new TreeSet<>(rows);
            gone.removeAll(names);
            if (!missing.isEmpty()) {
                problems.add(pkg + ": no row for " + missing);
            }
            if (!gone.isEmpty()) {
                problems.add(pkg + ": rows for types that do not exist: " + gone);
            }
        });
        documented.keySet().stream().filter(pkg -> !types.containsKey(pkg))
                .forEach(pkg -> problems.add("a section for package " + pkg + ", which does not exist"));
        assertThat(problems).as("docs/ARCHITECTURE.md against the main types of %s", Project.librarySources().keySet())
                .isEmpty();
    }

    /** {@return the main types of the library modules by package, read from their source trees} */
    private static Map<String, Set<String>> typesByPackage() {
        Map<String, Set<String>> types = new TreeMap<>();
        for (Path sources : Project.librarySources().values()) {
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(file -> file.toString().endsWith(".java"))
                        .filter(file -> !file.getFileName().toString().equals("package-info.java"))
                        .forEach(file -> types.computeIfAbsent(sources.relativize(file.getParent()).toString()
                                        .replace(file.getFileSystem().getSeparator(), "."), pkg -> new TreeSet<>())
                                .add(file.getFileName().toString().replaceAll("\\.java$", "")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(types).as("packages found").hasSizeGreaterThan(5);
        return types;
    }

    /** {@return the text from {@code heading} to the next heading} */
    private String section(String heading) {
        int start = architecture.indexOf("\n" + heading + "\n");
        assertThat(start).as("docs/ARCHITECTURE.md has a section '%s'", heading).isNotNegative();
        int end = architecture.indexOf("\n#", start + heading.length() + 1);
        return architecture.substring(start + heading.length() + 2, end < 0 ? architecture.length() : end);
    }

    /** {@return the cells of the body rows of the markdown tables in {@code text}} */
    private static List<List<String>> tableRows(String text) {
        List<List<String>> rows = new ArrayList<>();
        boolean header = true;
        for (String line : text.split("\n")) {
            if (!line.startsWith("|")) {
                header = true;
                continue;
            }
            if (line.matches("^\\|[-| :]+\\|\\s*$")) {
                header = false;
                continue;
            }
            if (!header) {
                rows.add(List.of(line.substring(1).split("(?<!\\\\)\\|")));
            }
        }
        return rows;
    }

    private static Set<String> codeIn(String cell) {
        Set<String> names = new TreeSet<>();
        Matcher code = CODE.matcher(cell);
        while (code.find()) {
            names.add(code.group(1));
        }
        return names;
    }
}
