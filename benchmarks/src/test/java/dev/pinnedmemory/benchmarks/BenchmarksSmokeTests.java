package dev.pinnedmemory.benchmarks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Runs every benchmark method once, in this JVM, with tiny sizes and a 10 ms iteration, so that
 * the benchmarks compile, set up and tear down as the code under test changes. Says nothing about
 * speed; the real runs are described in {@code benchmarks/README.md}.
 */
class BenchmarksSmokeTests {

    @BeforeAll
    static void allowConcurrentJmh() {
        // JMH refuses to start while another run holds /tmp/jmh.lock (say, a real run on this machine).
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void rentReturnBenchmarkShouldRunEveryImplementationOnOneAndTwoThreads() throws RunnerException {
        Collection<RunResult> results = run(RentReturnBenchmark.class, Map.of("bytes", "65536", "pooledBuffers", "2"));

        assertThat(scoresByMethodAndParam(results, "implementation")).containsOnlyKeys(
                expected(RentReturnBenchmark.class, List.of(BufferPoolPeer.PINNED_POOL, BufferPoolPeer.PINNED_POOL_CLEARING,
                        BufferPoolPeer.PINNED_POOL_STRICT, BufferPoolPeer.NETTY_POOLED, BufferPoolPeer.NETTY_ADAPTIVE,
                        BufferPoolPeer.COMMONS_POOL2,
                        BufferPoolPeer.ARRAY_BLOCKING_QUEUE)));
    }

    @Test
    void rentLengthBenchmarkShouldRentEveryLengthFromThePoolAndBothNettyAllocators() throws RunnerException {
        Collection<RunResult> results = run(RentLengthBenchmark.class, Map.of("minBytes", "4096", "maxBytes", "65536"));

        assertThat(scoresByMethodAndParam(results, "implementation")).containsOnlyKeys(expected(RentLengthBenchmark.class,
                List.of(RentLengthBenchmark.PINNED_POOL, RentLengthBenchmark.NETTY_POOLED,
                        RentLengthBenchmark.NETTY_ADAPTIVE)));
    }

    @Test
    void copyBenchmarkShouldRunEveryCopy() throws RunnerException {
        Collection<RunResult> results = run(CopyBenchmark.class, Map.of("bytes", "65536"));

        assertThat(scoresByMethodAndParam(results, null)).containsOnlyKeys(expected(CopyBenchmark.class, List.of("")));
    }

    @Test
    void freshAllocationBenchmarkShouldRunFreshAndPooled() throws RunnerException {
        Collection<RunResult> results = run(FreshAllocationBenchmark.class, Map.of("bytes", "65536"));

        assertThat(scoresByMethodAndParam(results, null))
                .containsOnlyKeys(expected(FreshAllocationBenchmark.class, List.of("")));
    }

    @Test
    void clearOnReturnBenchmarkShouldRunWithAndWithoutClearingAndThePause() throws RunnerException {
        Collection<RunResult> results = run(ClearOnReturnBenchmark.class,
                Map.of("bytes", "65536", "clearOnReturn", "true,false", "pauseTokens", "100"));

        assertThat(scoresByMethodAndParam(results, "clearOnReturn"))
                .containsOnlyKeys(expected(ClearOnReturnBenchmark.class, List.of("true", "false")));
    }

    @Test
    void warmupBenchmarkShouldBuildSerialAndParallelPools() throws RunnerException {
        Collection<RunResult> results = run(WarmupBenchmark.class,
                Map.of("totalMiB", "2", "bufferMiB", "1", "warmupThreads", "1,2"));

        assertThat(scoresByMethodAndParam(results, "warmupThreads"))
                .containsOnlyKeys(expected(WarmupBenchmark.class, List.of("1", "2")));
    }

    @Test
    void scalingControlBenchmarkShouldRunOnOneAndTwoThreads() throws RunnerException {
        Collection<RunResult> results = run(ScalingControlBenchmark.class, Map.of("tokens", "1"));

        assertThat(scoresByMethodAndParam(results, null))
                .containsOnlyKeys(expected(ScalingControlBenchmark.class, List.of("")));
    }

    @Test
    void metricsScrapeBenchmarkShouldScrapeAndReadEveryMeter() throws RunnerException {
        Collection<RunResult> results = run(MetricsScrapeBenchmark.class, Map.of("pools", "2"));

        assertThat(scoresByMethodAndParam(results, "meters"))
                .containsOnlyKeys(expected(MetricsScrapeBenchmark.class, List.of("all", "original")));
    }

    @Test
    void fileReadBenchmarkShouldReadIntoPinnedAndDirectMemory() throws RunnerException {
        Collection<RunResult> results = run(FileReadBenchmark.class, Map.of("bytes", "65536"));

        assertThat(scoresByMethodAndParam(results, null)).containsOnlyKeys(expected(FileReadBenchmark.class, List.of("")));
    }

    @Test
    void arrowIpcReadBenchmarkShouldReadThroughPinnedAndDefaultAllocators() throws RunnerException {
        Collection<RunResult> results = run(ArrowIpcReadBenchmark.class, Map.of("batches", "2", "rows", "1000"));

        assertThat(scoresByMethodAndParam(results, "allocator")).containsOnlyKeys(expected(ArrowIpcReadBenchmark.class,
                List.of(ArrowIpcReadBenchmark.PINNED, ArrowIpcReadBenchmark.PINNED_CLEARING,
                ArrowIpcReadBenchmark.ARROW_DEFAULT)));
    }

    @Test
    void cudaBandwidthBenchmarkShouldSaySkippedWithoutDevice() {
        assumeThat(cudaUnavailableReason()).as("a CUDA device is present; see the next test").isNotNull();

        assertThatIllegalStateException().isThrownBy(() -> {
                    CudaBandwidthBenchmark benchmark = new CudaBandwidthBenchmark();
                    benchmark.sizeMiB = 1;
                    benchmark.source = CudaBandwidthBenchmark.POOLED_PINNED;
                    benchmark.setUp();
                })
                .withMessageStartingWith("CudaBandwidthBenchmark skipped: no usable CUDA device here")
                .withMessageContaining("cuda");
    }

    @Test
    void cudaBandwidthBenchmarkShouldRunEverySourceWithDevice() throws RunnerException {
        assumeThat(cudaUnavailableReason()).as("no CUDA device here, so nothing to run").isNull();

        Collection<RunResult> results = run(CudaBandwidthBenchmark.class, Map.of("sizeMiB", "1"));

        assertThat(scoresByMethodAndParam(results, "source")).containsOnlyKeys(expected(CudaBandwidthBenchmark.class,
                List.of(CudaBandwidthBenchmark.POOLED_PINNED, CudaBandwidthBenchmark.HEAP_ARRAY,
                        CudaBandwidthBenchmark.DIRECT_BUFFER)));
    }

    private static String cudaUnavailableReason() {
        try {
            CudaBandwidthBenchmark.cudaBackendOrSkip();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private static Collection<RunResult> run(Class<?> benchmark, Map<String, String> params) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(10))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        params.forEach((name, values) -> options.param(name, values.split(",")));
        return new Runner(options.build()).run();
    }

    /** {@return "method param" for each result with a finite, non-negative score} */
    private static Map<String, Double> scoresByMethodAndParam(Collection<RunResult> results, String param) {
        return results.stream()
                .filter(result -> Double.isFinite(result.getPrimaryResult().getScore())
                        && result.getPrimaryResult().getScore() >= 0
                        && result.getPrimaryResult().getSampleCount() > 0)
                .collect(Collectors.toMap(result -> {
                    String label = result.getParams().getBenchmark();
                    label = label.substring(label.lastIndexOf('.') + 1);
                    return param == null ? label : label + " " + result.getParams().getParam(param);
                }, result -> result.getPrimaryResult().getScore()));
    }

    /** {@return "method param" for every @Benchmark method of the class and every given param value} */
    private static String[] expected(Class<?> benchmark, List<String> paramValues) {
        Set<String> names = new TreeSet<>();
        for (Method method : benchmark.getDeclaredMethods()) {
            if (method.isAnnotationPresent(Benchmark.class)) {
                for (String value : paramValues) {
                    names.add(value.isEmpty() ? method.getName() : method.getName() + " " + value);
                }
            }
        }
        assertThat(names).as("benchmark methods of " + benchmark.getSimpleName()).isNotEmpty();
        return names.toArray(String[]::new);
    }

}
