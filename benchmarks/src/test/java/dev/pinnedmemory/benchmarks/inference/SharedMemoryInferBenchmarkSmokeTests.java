package dev.pinnedmemory.benchmarks.inference;

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
 * Runs {@link SharedMemoryInferBenchmark} once per transport in this JVM with a 64 KiB tensor and a 10 ms
 * iteration, so the regions, both transports, their peers and the checks of the first answer keep working. Says
 * nothing about speed.
 */
class SharedMemoryInferBenchmarkSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void everyTransportShouldAnswerWithTheModelsOutput() throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + SharedMemoryInferBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(10))
                .param("tensorBytes", "65536").shouldFailOnError(true).verbosity(VerboseMode.SILENT).build()).run();

        Map<String, Double> scores = results.stream().collect(Collectors.toMap(
                result -> result.getParams().getParam("transport"), result -> result.getPrimaryResult().getScore()));
        assertThat(scores).containsOnlyKeys(SharedMemoryInferBenchmark.transports())
                .allSatisfy((transport, score) -> assertThat(score).as(transport).isPositive());
    }
}
