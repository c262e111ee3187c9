package dev.pinnedmemory.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One row of JMH's JSON results: a benchmark method with one set of parameters. Immutable.
 *
 * @param className simple name of the benchmark class, e.g. {@code RentReturnBenchmark}
 * @param method the benchmark method, e.g. {@code rentReturn}
 * @param threads threads that ran it
 * @param params the {@code @Param} values
 * @param score the primary score
 * @param error the 99.9% confidence half-width, NaN when JMH had too few samples
 * @param unit the score's unit, e.g. {@code ns/op}
 * @param bytesPerOperation {@code gc.alloc.rate.norm} from {@code -prof gc}, NaN without it
 * @param secondary every secondary metric's score by name
 */
record JmhResult(String className, String method, int threads, Map<String, String> params, double score,
                 double error, String unit, double bytesPerOperation, Map<String, Double> secondary) {

    /** {@return the results in a JMH {@code -rf json} file} */
    @SuppressWarnings("unchecked")
    static List<JmhResult> read(Path json) throws IOException {
        List<Object> rows = (List<Object>) Json.parse(Files.readString(json));
        return rows.stream().map(row -> of((Map<String, Object>) row)).toList();
    }

    @SuppressWarnings("unchecked")
    private static JmhResult of(Map<String, Object> row) {
        String benchmark = (String) row.get("benchmark");
        String[] parts = benchmark.split("\\.");
        Map<String, String> params = row.get("params") == null ? Map.of()
                : Map.copyOf((Map<String, String>) row.get("params"));
        Map<String, Object> primary = (Map<String, Object>) row.get("primaryMetric");
        Map<String, Object> secondaryRows = row.get("secondaryMetrics") == null ? Map.of()
                : (Map<String, Object>) row.get("secondaryMetrics");
        Map<String, Double> secondary = new java.util.TreeMap<>();
        secondaryRows.forEach((name, metric) -> secondary.put(name, number(((Map<String, Object>) metric).get("score"))));
        return new JmhResult(parts[parts.length - 2], parts[parts.length - 1], (int) number(row.get("threads")),
                params, number(primary.get("score")), number(primary.get("scoreError")),
                (String) primary.get("scoreUnit"), secondary.getOrDefault("gc.alloc.rate.norm", Double.NaN),
                Map.copyOf(secondary));
    }

    /** JMH writes NaN and infinities as strings. */
    private static double number(Object value) {
        return switch (value) {
            case Double d -> d;
            case String s -> Double.parseDouble(s);
            case null -> Double.NaN;
            default -> throw new IllegalArgumentException("number: " + value + " (expected: a JSON number)");
        };
    }

    /** {@return the {@code @Param} value, or null} */
    String param(String name) {
        return params.get(name);
    }

    /** {@return whether this row is {@code className.method} with the given param values (name, value, ...)} */
    boolean is(String className, String method, String... nameValues) {
        if (!this.className.equals(className) || !this.method.equals(method)) {
            return false;
        }
        for (int i = 0; i < nameValues.length; i += 2) {
            if (!nameValues[i + 1].equals(params.get(nameValues[i]))) {
                return false;
            }
        }
        return true;
    }
}
