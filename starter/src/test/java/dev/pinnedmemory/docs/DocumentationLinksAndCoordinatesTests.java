package dev.pinnedmemory.docs;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the READMEs and docs/ promise about this build and about each other, checked against the files as they
 * are: every Maven coordinate names an artifact this build makes, at its version; every relative link reaches a
 * file, and every anchor a heading of it; the main README keeps the sections the developers' guide asks for and
 * stays under 200 lines.
 */
class DocumentationLinksAndCoordinatesTests {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern INLINE_COORDINATES = Pattern.compile("dev\\.pinnedmemory:([a-z0-9-]+)(?::([0-9A-Za-z.-]+))?");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");

    @Test
    void everyMavenCoordinateShouldNameAnArtifactOfThisBuildAtItsVersion() throws Exception {
        Set<String> artifacts = Set.copyOf(Project.modules().values());
        String version = Project.version();
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Path file : Project.markdownFiles()) {
            MarkdownSnippets markdown = MarkdownSnippets.read(file);
            for (MarkdownSnippets.Block block : markdown.blocks()) {
                if (!block.language().equals("xml") || !block.text().contains("<dependency>")) {
                    continue;
                }
                DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                NodeList dependencies = factory.newDocumentBuilder().parse(new ByteArrayInputStream(("<dependencies>"
                        + block.text() + "</dependencies>").getBytes(StandardCharsets.UTF_8)))
                        .getElementsByTagName("dependency");
                for (int i = 0; i < dependencies.getLength(); i++) {
                    Element dependency = (Element) dependencies.item(i);
                    if (!text(dependency, "groupId").equals("dev.pinnedmemory")) {
                        continue;
                    }
                    checked++;
                    String artifact = text(dependency, "artifactId");
                    String declared = text(dependency, "version");
                    if (!artifacts.contains(artifact) || !declared.equals(version)) {
                        wrong.add(block.where(0) + ": dev.pinnedmemory:" + artifact + ":" + declared);
                    }
                }
            }
            Matcher inline = INLINE_COORDINATES.matcher(Project.read(file));
            while (inline.find()) {
                checked++;
                if (!artifacts.contains(inline.group(1)) || (inline.group(2) != null && !inline.group(2).equals(version))) {
                    wrong.add(file.getFileName() + ": " + inline.group());
                }
            }
        }
        assertThat(checked).as("coordinates found").isGreaterThan(5);
        assertThat(wrong).as("coordinates that are not artifacts of this build (%s) at %s", artifacts, version).isEmpty();
    }

    @Test
    void everyRelativeLinkShouldReachAFileAndEveryAnchorAHeading() {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : Project.markdownFiles()) {
            Matcher link = LINK.matcher(withoutCodeBlocks(Project.read(file)));
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue;   // https:, mailto:
                }
                checked++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(Project.root().relativize(file) + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(Project.root().relativize(file) + ": " + target + " (no such heading; headings: "
                            + anchors(resolved) + ")");
                }
            }
        }
        assertThat(checked).as("links found").isGreaterThan(30);
        assertThat(broken).isEmpty();
    }

    @Test
    void readmeShouldKeepTheSectionsTheGuideAsksForAndStayUnder200Lines() {
        String readme = Project.read(Project.root().resolve("README.md"));

        assertThat(readme.lines().count()).as("README.md lines").isLessThan(200);
        assertThat(readme).contains("## Run the sample service", "## Run all tests", "## Use it", "## Numbers",
                "## Limits", "<!-- SAMPLE-APP-START -->", "<!-- SAMPLE-APP-END -->", "<!-- BENCHMARKS-START -->",
                "<!-- BENCHMARKS-END -->", "./mvnw verify", "GET /actuator/pinnedmemory", "```yaml");
    }

    /** {@return the GitHub anchors of a markdown file's headings} */
    private static Set<String> anchors(Path file) {
        Set<String> anchors = new HashSet<>();
        if (!file.toString().endsWith(".md")) {
            return anchors;
        }
        for (String line : withoutCodeBlocks(Project.read(file)).split("\n")) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                anchors.add(heading.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-'));
            }
        }
        return anchors;
    }

    private static String withoutCodeBlocks(String markdown) {
        return markdown.replaceAll("(?ms)^```.*?^```", "");
    }

    private static String text(Element element, String name) {
        NodeList children = element.getElementsByTagName(name);
        return children.getLength() == 0 ? "" : children.item(0).getTextContent().strip();
    }
}
