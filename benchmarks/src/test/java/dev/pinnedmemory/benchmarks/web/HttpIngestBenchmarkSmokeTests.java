package dev.pinnedmemory.benchmarks.web;

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
 * Runs {@link HttpIngestBenchmark} once per controller in this JVM with a 64 KiB body and a 10 ms
 * iteration, so the server, the client and every endpoint keep working. Says nothing about speed.
 */
class HttpIngestBenchmarkSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void everyControllerShouldAnswerEveryRequest() throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + HttpIngestBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(10))
                .param("bodyBytes", "65536").shouldFailOnError(true).verbosity(VerboseMode.SILENT).build()).run();

        Map<String, Double> scores = results.stream().collect(Collectors.toMap(
                result -> result.getParams().getParam("controller"), result -> result.getPrimaryResult().getScore()));
        assertThat(scores).containsOnlyKeys("pinned-body", "pinned-body-clearing", "byte-array", "input-stream-chunk")
                .allSatisfy((controller, score) -> assertThat(score).as(controller).isPositive());
    }
}
