package dev.pinnedmemory.benchmarks.grpc;

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
 * Runs the gRPC benchmarks once per implementation in this JVM with a small tensor and a 10 ms iteration,
 * so both services, their clients and the allocation counters keep working. Says nothing about speed.
 */
class GrpcBenchmarksSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void bothImplementationsShouldAnswerEveryCall() throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + GrpcInferBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(10))
                .param("tensorBytes", "65536").shouldFailOnError(true).verbosity(VerboseMode.SILENT).build()).run();

        Map<String, Double> scores = results.stream().collect(Collectors.toMap(
                result -> result.getParams().getParam("implementation"), result -> result.getPrimaryResult().getScore()));
        assertThat(scores).containsOnlyKeys("pinned", "generated")
                .allSatisfy((implementation, score) -> assertThat(score).as(implementation).isPositive());
    }
}
