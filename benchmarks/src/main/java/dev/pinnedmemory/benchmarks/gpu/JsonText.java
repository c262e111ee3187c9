package dev.pinnedmemory.benchmarks.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Writes maps, lists, strings, numbers, booleans and nulls as JSON: the report's one output format.
 * Non-finite numbers become {@code null}. Stateless; thread-safe.
 */
final class JsonText {

    private JsonText() {
    }

    /** {@return {@code value} as indented JSON} */
    static String of(@Nullable Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, @Nullable Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                String separator = "\n";
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.append(separator).append("  ".repeat(depth + 1));
                    string(out, String.valueOf(entry.getKey()));
                    out.append(": ");
                    write(out, entry.getValue(), depth + 1);
                    separator = ",\n";
                }
                out.append('\n').append("  ".repeat(depth)).append('}');
            }
            case List<?> list -> {
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                String separator = "\n";
                for (Object item : list) {
                    out.append(separator).append("  ".repeat(depth + 1));
                    write(out, item, depth + 1);
                    separator = ",\n";
                }
                out.append('\n').append("  ".repeat(depth)).append(']');
            }
            case Double d -> out.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null");
            case Float f -> write(out, f.doubleValue(), depth);
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            default -> string(out, value.toString());
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
