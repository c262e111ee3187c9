package dev.pinnedmemory.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * This build as its files say now: the repository root, the modules of the parent pom with their artifact ids,
 * the version, and the markdown files a reader is pointed to. Read from disk at test time, so documentation
 * checks follow every change to the tree.
 */
final class Project {

    /** Modules that are applications or measurements, not libraries users build on. */
    static final List<String> APPLICATIONS = List.of("sample-app", "benchmarks");

    private Project() {
    }

    /** {@return the repository root: the nearest directory upwards whose pom is the parent pom} */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && child(pom(pom), "artifactId").equals("pinned-memory-parent")) {
                return dir;
            }
        }
        throw new IllegalStateException("no pinned-memory-parent pom above " + Path.of("").toAbsolutePath());
    }

    /** {@return the parent pom's modules (directory names), in its order, with each one's artifact id} */
    static Map<String, String> modules() {
        Element parent = pom(root().resolve("pom.xml"));
        Map<String, String> modules = new LinkedHashMap<>();
        NodeList names = parent.getElementsByTagName("module");
        for (int i = 0; i < names.getLength(); i++) {
            String module = names.item(i).getTextContent().strip();
            modules.put(module, child(pom(root().resolve(module).resolve("pom.xml")), "artifactId"));
        }
        return modules;
    }

    /** {@return the version of this build} */
    static String version() {
        return child(pom(root().resolve("pom.xml")), "version");
    }

    /** {@return the main source root of every library module that has one: module name to path} */
    static Map<String, Path> librarySources() {
        Map<String, Path> sources = new LinkedHashMap<>();
        for (String module : modules().keySet()) {
            Path main = root().resolve(module).resolve("src/main/java");
            if (!APPLICATIONS.contains(module) && Files.isDirectory(main)) {
                sources.put(module, main);
            }
        }
        return sources;
    }

    /** {@return the README of the root and of every module, and the pages under docs/} */
    static List<Path> markdownFiles() {
        List<Path> files = new ArrayList<>();
        files.add(root().resolve("README.md"));
        for (String module : modules().keySet()) {
            Path readme = root().resolve(module).resolve("README.md");
            if (Files.isRegularFile(readme)) {
                files.add(readme);
            }
        }
        try (Stream<Path> docs = Files.list(root().resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Element pom(Path file) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(file.toFile());
            return document.getDocumentElement();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** {@return the text of {@code element}'s direct child {@code name}} */
    private static String child(Element element, String name) {
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element child && child.getTagName().equals(name)) {
                return child.getTextContent().strip();
            }
        }
        throw new IllegalStateException(element.getTagName() + " has no " + name);
    }
}
