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
 * Runs {@link InferenceLoadBenchmark} once per scenario and server in this JVM with tiny tensors and a 10 ms
 * iteration, so the server, the peers and the client keep working; and checks that the protocol's endpoint
 * and its peers give the same answer for the same request. Says nothing about speed.
 */
class InferenceLoadBenchmarkSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void everyScenarioShouldRunAgainstTheProtocolAndItsPeer() throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + InferenceLoadBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(10))
                .param("binaryBytes", "65536").param("jsonBytes", "4096").param("smallBytes", "4096").threads(2)
                .shouldFailOnError(true).verbosity(VerboseMode.SILENT).build()).run();

        Map<String, Double> scores = results.stream().collect(Collectors.toMap(result -> {
            String method = result.getParams().getBenchmark();
            return method.substring(method.lastIndexOf('.') + 1) + " " + result.getParams().getParam("server");
        }, result -> result.getPrimaryResult().getScore()));
        assertThat(scores).containsOnlyKeys("binary16MiB oip", "binary16MiB peer", "json1MiB oip", "json1MiB peer",
                "small4KiB oip", "small4KiB peer").allSatisfy((run, score) -> assertThat(score).as(run).isPositive());
    }

    @Test
    void theProtocolAndThePeersShouldAnswerTheSame() throws IOException {
        InferenceLoadBenchmark benchmark = new InferenceLoadBenchmark();
        benchmark.binaryBytes = 4096;
        benchmark.jsonBytes = 4096;
        benchmark.smallBytes = 4096;
        benchmark.start();
        try {
            benchmark.server = "oip";
            String oipBinary = body(benchmark.binaryClient(4096));
            String oipJson = body(benchmark.jsonClient(4096));
            benchmark.server = "peer";
            assertThat(body(benchmark.binaryClient(4096))).isEqualTo(oipBinary);
            assertThat(body(benchmark.jsonClient(4096))).isEqualTo(oipJson);
            assertThat(oipBinary).startsWith("{\"model_name\":\"sum\",\"outputs\":[{\"name\":\"SUM\",\"datatype\":\"FP32\","
                    + "\"shape\":[1],\"data\":[");
        } finally {
            benchmark.stop();
        }
    }

    private static String body(InferenceClient client) throws IOException {
        try (client) {
            String answer = client.lastAnswer();
            return answer.substring(answer.indexOf("\r\n\r\n") + 4);
        }
    }
}
