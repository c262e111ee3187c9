package dev.pinnedmemory.benchmarks.inference;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link JsonParseBenchmark} once per method and number format in this JVM with a tiny tensor, and checks
 * that the protocol's controller and databind read the same numbers. Says nothing about speed.
 */
class JsonParseBenchmarkSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void bothWaysAndBothNumberFormatsShouldRun() throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + JsonParseBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(10))
                .param("tensorBytes", "4096").shouldFailOnError(true).verbosity(VerboseMode.SILENT).build()).run();

        Map<String, Double> scores = results.stream().collect(Collectors.toMap(result -> {
            String method = result.getParams().getBenchmark();
            return method.substring(method.lastIndexOf('.') + 1) + " " + result.getParams().getParam("numbers");
        }, result -> result.getPrimaryResult().getScore()));
        assertThat(scores).containsOnlyKeys("oip java", "oip python", "databind java", "databind python")
                .allSatisfy((run, score) -> assertThat(score).as(run).isPositive());
    }

    @Test
    void theControllerShouldSumWhatDatabindSums() throws IOException {
        for (String numbers : new String[] {"java", "python"}) {
            JsonParseBenchmark benchmark = new JsonParseBenchmark();
            benchmark.numbers = numbers;
            benchmark.tensorBytes = 4096;
            benchmark.start();
            try {
                assertThat(benchmark.oipAnswer()).as(numbers).contains("\"data\":[" + benchmark.databind() + "]");
            } finally {
                benchmark.stop();
            }
        }
    }
}
