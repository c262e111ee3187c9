package dev.pinnedmemory.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles the Java lines of markdown snippets, exactly as written, inside a frame the test supplies (imports,
 * and around statements a method; around class declarations nothing), against this test's class path, and loads
 * the result. A compile error fails with the markdown file and line it came from.
 */
final class JavaSnippets {

    /** One compilation unit: {@code before} + the snippet's lines + {@code after}, in package {@code pkg}. */
    record Unit(String pkg, String fileName, MarkdownSnippets.Block snippet, String before, String after) {

        /** {@return the unit's source, and where in it the snippet starts (0-based line)} */
        String source() {
            return "package " + pkg + ";\n" + before + snippet.text() + after;
        }

        int snippetStart() {
            return 1 + (int) before.lines().count();
        }
    }

    /** {@return the imports, one line each} */
    static String imports(String... types) {
        StringBuilder lines = new StringBuilder();
        for (String type : types) {
            lines.append("import ").append(type).append(";\n");
        }
        return lines.toString();
    }

    private JavaSnippets() {
    }

    /** Compiles {@code units} together into {@code output} and {@return a class loader for them over the test's} */
    static URLClassLoader compile(Path output, List<Unit> units) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<SourceFile> sources = units.stream().map(SourceFile::new).toList();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("-classpath", classPath(), "-d", output.toString(), "--release", "25",
                    "-parameters", "-proc:none", "-Xlint:none");
            Boolean ok = compiler.getTask(null, files, diagnostics, options, null, sources).call();
            if (!ok) {
                throw new AssertionError("a documented snippet does not compile:\n" + diagnostics.getDiagnostics()
                        .stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).map(JavaSnippets::describe)
                        .collect(Collectors.joining("\n")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return new URLClassLoader(new java.net.URL[] {output.toUri().toURL()}, JavaSnippets.class.getClassLoader());
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Diagnostic<? extends JavaFileObject> diagnostic) {
        String where = "generated source";
        if (diagnostic.getSource() instanceof SourceFile source) {
            int index = (int) diagnostic.getLineNumber() - 1 - source.unit.snippetStart();
            where = index >= 0 && index < source.unit.snippet().lines().size() ? source.unit.snippet().where(index)
                    : source.unit.snippet().where(0) + " (the test's frame around it, line " + diagnostic.getLineNumber() + ")";
        }
        return "  " + where + ": " + diagnostic.getMessage(Locale.ROOT);
    }

    /**
     * {@return this JVM's test class path} Surefire starts the test JVM with a manifest-only jar and passes the
     * real class path as {@code surefire.test.class.path}.
     */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private static final class SourceFile extends SimpleJavaFileObject {

        private final Unit unit;

        SourceFile(Unit unit) {
            super(URI.create("string:///" + unit.pkg().replace('.', '/') + "/" + unit.fileName() + ".java"),
                    Kind.SOURCE);
            this.unit = unit;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return unit.source();
        }
    }
}
