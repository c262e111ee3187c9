package dev.pinnedmemory.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of one markdown file: those marked runnable with {@code <!-- snippet: NAME -->} on the
 * line before the fence, by name, and every block, for checks that apply to all (Maven coordinates). Reads the
 * file as it is now, so a test always runs what the reader sees.
 */
final class MarkdownSnippets {

    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+) -->$");
    private static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");

    /** One fenced block: its language, its lines, and the file line (1-based) of its first line. */
    record Block(Path file, String name, String language, List<String> lines, int firstLine) {

        String text() {
            return String.join("\n", lines) + "\n";
        }

        /** {@return where the block's {@code index}-th line (0-based) is, as {@code core/README.md:123}} */
        String where(int index) {
            return Project.root().relativize(file) + ":" + (firstLine + index);
        }
    }

    private final Path file;
    private final Map<String, Block> marked;
    private final List<Block> blocks;

    private MarkdownSnippets(Path file, Map<String, Block> marked, List<Block> blocks) {
        this.file = file;
        this.marked = marked;
        this.blocks = blocks;
    }

    static MarkdownSnippets read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Block> marked = new LinkedHashMap<>();
        List<Block> blocks = new ArrayList<>();
        String pendingName = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher marker = MARKER.matcher(line.strip());
            if (marker.matches()) {
                pendingName = marker.group(1);
                pendingLine = i + 1;
                continue;
            }
            Matcher fence = FENCE.matcher(line);
            if (!fence.matches()) {
                if (pendingName != null && !line.isBlank()) {
                    throw new IllegalStateException(file + ":" + pendingLine + ": snippet marker '" + pendingName
                            + "' is not followed by a fenced code block");
                }
                continue;
            }
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).startsWith("```")) {
                end++;
            }
            if (end == lines.size()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": code block is never closed");
            }
            Block block = new Block(file, pendingName, fence.group(1), List.copyOf(lines.subList(i + 1, end)), i + 2);
            blocks.add(block);
            if (pendingName != null && marked.put(pendingName, block) != null) {
                throw new IllegalStateException(file + ":" + pendingLine + ": snippet '" + pendingName
                        + "' is marked twice");
            }
            pendingName = null;
            i = end;
        }
        if (pendingName != null) {
            throw new IllegalStateException(file + ":" + pendingLine + ": snippet marker '" + pendingName
                    + "' is not followed by a fenced code block");
        }
        return new MarkdownSnippets(file, Map.copyOf(marked), List.copyOf(blocks));
    }

    /** {@return the block marked {@code name}} */
    Block get(String name) {
        Block block = marked.get(name);
        if (block == null) {
            throw new AssertionError(file.getFileName() + " has no snippet '" + name + "' (expected the line <!-- snippet: "
                    + name + " --> before its fenced code block); a test runs it, so it must stay");
        }
        return block;
    }

    /** {@return the names of the marked blocks} */
    java.util.Set<String> names() {
        return marked.keySet();
    }

    /** {@return every fenced block, marked or not, in the file's order} */
    List<Block> blocks() {
        return blocks;
    }
}
