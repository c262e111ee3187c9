package dev.pinnedmemory.benchmarks.gpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pinnedmemory.backend.BackendKind;
import dev.pinnedmemory.backend.PageLockingBackends;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU check as this machine can show it (no CUDA device): its report and exit status, the
 * POSIX {@code run.sh}, and the bundle that {@code gpu-bundle.sh} left in {@code target/} (at most
 * 48 MiB; skipped when it was not built). CI builds the bundle and runs it in a clean environment.
 */
class GpuCheckTests {

    private static final Path TEST_CLASSES = Path.of("target/test-classes");
    private static final Path BUNDLE = Path.of("target/gpu-check.tar.gz");

    @AfterEach
    void clearProperties() {
        for (String property : new String[] {"gpucheck.home", GpuCheckFixtureTests.FAIL_PROPERTY, GpuCheckFixtureTests.HANG_PROPERTY,
                "gpucheck.requireDevice", "gpucheck.testTimeoutSeconds", "gpucheck.testsSeconds"}) {
            System.clearProperty(property);
        }
        GpuCheckFixtureTests.release.countDown();
        GpuCheckFixtureTests.release = new CountDownLatch(1);
        GpuCheckFixtureTests.hanging = new CountDownLatch(1);
    }

    @Test
    void aRunWithoutACudaDeviceShouldSayWhySkipEveryGpuTestAndPass(@TempDir Path home, @TempDir Path out) throws IOException {
        assumeTrue(noDevice(), "a CUDA device is present");
        bundleHome(home, TEST_CLASSES);
        int status = GpuCheck.run(out);
        String json = Files.readString(out.resolve("gpu-check.json"));
        String text = Files.readString(out.resolve("gpu-check.txt"));
        assertThat(status).isZero();
        assertThat(json).contains("\"available\": false", "\"reason\": \"no CUDA device: ", "\"result\": \"pass\"",
                "\"name\": \"GpuCheckFixtureTests.aGpuTestShouldBeSkippedWithoutADevice\"", "\"status\": \"skipped\"",
                "\"passed\": 0", "\"failed\": 0", "\"hung\": 0", "\"skipped\": 2", "\"numaNodesOnline\"",
                "\"numaNodesAllowed\"", "\"nvidiaSmi\"", "\"why\": ", "\"diagnosis\": [", "\"exitStatus\": 0",
                "\"requireDevice\": false");
        assertThat(text).contains("cuda: no CUDA device: ", "\n  why: ", "\n  - JCuda's natives loaded from ",
                "tests (gpu tag): 0 passed, 0 failed, 0 hung, 2 skipped",
                "bandwidth and warm-up: skipped, no CUDA device", "pytorch: ",
                "result: pass (0 failed test(s); no CUDA device, every gpu test skipped)");
    }

    @Test
    void requiringADeviceWhereThereIsNoneShouldFailTheCheckSayingWhy(@TempDir Path home, @TempDir Path out) throws IOException {
        assumeTrue(noDevice(), "a CUDA device is present");
        bundleHome(home, TEST_CLASSES);
        System.setProperty("gpucheck.requireDevice", "1");
        assertThat(GpuCheck.run(out)).isEqualTo(GpuCheck.NO_DEVICE_REQUIRED);
        String text = Files.readString(out.resolve("gpu-check.txt"));
        assertThat(text).containsPattern("\\nresult: fail \\(no CUDA device, and GPU_CHECK_REQUIRE_DEVICE=1 requires one: .+\\)");
        assertThat(Files.readString(out.resolve("gpu-check.json"))).contains("\"result\": \"fail\"", "\"exitStatus\": 4",
                "\"requireDevice\": true");
    }

    @Test
    void aFailingGpuTestShouldFailTheCheckAndBeNamed(@TempDir Path home, @TempDir Path out) throws IOException {
        bundleHome(home, TEST_CLASSES);
        System.setProperty(GpuCheckFixtureTests.FAIL_PROPERTY, "true");
        assertThat(GpuCheck.run(out)).isEqualTo(1);
        assertThat(Files.readString(out.resolve("gpu-check.txt")))
                .contains("failed  GpuCheckFixtureTests.aGpuTestShouldBeSkippedWithoutADevice", "AssertionFailedError: "
                        + "[fixture failing on purpose]", "result: fail (1 failed test(s))");
    }

    /**
     * Issue 30, finding 5: a test stuck in a call that ignores interrupts fails at its own timeout
     * (it runs on a thread of its own), and the check goes on to the end and reports it.
     */
    @Test
    void aTestThatHangsShouldFailAtItsTimeoutAndTheCheckGoOn(@TempDir Path home, @TempDir Path out) throws IOException {
        bundleHome(home, TEST_CLASSES);
        System.setProperty(GpuCheckFixtureTests.HANG_PROPERTY, "true");
        System.setProperty("gpucheck.testTimeoutSeconds", "1");
        assertThat(GpuCheck.run(out)).isEqualTo(GpuCheck.TEST_FAILED);
        assertThat(Files.readString(out.resolve("gpu-check.txt")))
                .containsPattern("failed  GpuCheckFixtureTests.aGpuTestThatHangsInNativeCode \\(1\\.\\d s\\): "
                        + "\\w+: .*timed out after 1000 milliseconds")
                .contains("skipped GpuCheckFixtureTests.aGpuTestShouldBeSkippedWithoutADevice", "result: fail (1 failed test(s))");
    }

    /**
     * Issue 30, finding 5: when the tests' time is up with a test still running, it is reported as
     * hung, the device is not used again, and the report is complete; while it hangs, the JSON on
     * disk already holds what was found, marked incomplete.
     */
    @Test
    void aTestStillRunningWhenTheTestsTimeIsUpShouldBeReportedAsHung(@TempDir Path home, @TempDir Path out) throws Exception {
        bundleHome(home, TEST_CLASSES);
        System.setProperty(GpuCheckFixtureTests.HANG_PROPERTY, "true");
        System.setProperty("gpucheck.testTimeoutSeconds", "60");
        System.setProperty("gpucheck.testsSeconds", "3");
        AtomicInteger status = new AtomicInteger(-1);
        Thread check = Thread.ofPlatform().start(() -> status.set(runQuietly(out)));
        assertThat(GpuCheckFixtureTests.hanging.await(30, TimeUnit.SECONDS)).isTrue();
        String partial = Files.readString(out.resolve("gpu-check.json"));
        assertThat(partial).contains("\"result\": \"incomplete\"", "\"phase\": \"", "\"machine\": {", "\"cuda\": {");
        check.join(Duration.ofSeconds(60));
        assertThat(status.get()).isEqualTo(GpuCheck.TEST_FAILED);
        String text = Files.readString(out.resolve("gpu-check.txt"));
        assertThat(text).contains("hung    GpuCheckFixtureTests.aGpuTestThatHangsInNativeCode",
                "still running when the tests' 3 s were up", "0 failed, 1 hung", "result: fail (1 failed test(s), 1 of them hung)");
        assertThat(Files.readString(out.resolve("gpu-check.json"))).contains("\"hung\": 1", "\"result\": \"fail\"");
    }

    @Test
    void aReportStoppedEarlyShouldKeepWhatWasFoundAndSayWhy(@TempDir Path out) throws IOException {
        CheckReport report = new CheckReport(out);
        report.put("machine", java.util.Map.of("cpus", 16));
        report.progress("gpu-check: CUDA device usable; running the gpu tests");
        report.progress("  passed  CudaFenceTests.aFenceOnAnIdleStreamShouldBeCompleteAtOnceAndCloseOnce (0.2 s)");
        report.save("gpu tests");
        assertThat(Files.readString(out.resolve("gpu-check.json"))).contains("\"result\": \"incomplete\"",
                "\"phase\": \"gpu tests\"", "\"cpus\": 16");
        assertThat(report.stoppedEarly("warm-up", "the check ran past its 235 s")).isTrue();
        assertThat(Files.readString(out.resolve("gpu-check.txt"))).isEqualTo("""
                gpu-check: CUDA device usable; running the gpu tests
                  passed  CudaFenceTests.aFenceOnAnIdleStreamShouldBeCompleteAtOnceAndCloseOnce (0.2 s)
                result: incomplete (the check ran past its 235 s), stopped in phase warm-up
                """);
        assertThat(Files.readString(out.resolve("gpu-check.json"))).contains("\"stoppedBecause\": \"the check ran past its 235 s\"",
                "\"phase\": \"warm-up\"");
        report.finish("too late");
        assertThat(Files.readString(out.resolve("gpu-check.txt"))).doesNotContain("too late");
        assertThat(report.stoppedEarly("report", "again")).isFalse();
    }

    @Test
    void aBundleWithoutGpuTestsShouldFailRatherThanPassEmpty(@TempDir Path home, @TempDir Path out) throws IOException {
        Path empty = Files.createDirectories(home.resolve("empty"));
        bundleHome(home, empty);
        assertThat(GpuCheck.run(out)).isEqualTo(1);
        assertThat(Files.readString(out.resolve("gpu-check.json"))).contains("no gpu-tagged tests found under");
    }

    @Test
    void runShShouldBePosixShell() throws IOException, InterruptedException {
        Path script = Path.of("gpu-check/run.sh");
        String text = Files.readString(script);
        assertThat(text).startsWith("#!/bin/sh\n").doesNotContain("[[", "function ", "local ", "$'", "<(", "pipefail",
                "${BASH", "source ");
        assertThat(Files.isExecutable(script)).isTrue();
        Process check = new ProcessBuilder("sh", "-n", script.toString()).redirectErrorStream(true).start();
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void theConsoleLauncherInTheBundleShouldBeTheJUnitOfTheBuild() throws IOException {
        Matcher version = Pattern.compile("<junit-platform-console.version>([^<]+)<").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();
        assertThat(version.group(1)).isEqualTo(org.junit.platform.launcher.Launcher.class.getPackage().getImplementationVersion());
    }

    @Test
    void theBuiltBundleShouldBeAtMost48MiBAndHoldWhatRunShNeeds() throws IOException {
        assumeTrue(Files.isRegularFile(BUNDLE), "no " + BUNDLE + ": run benchmarks/gpu-bundle.sh (CI does)");
        assertThat(Files.size(BUNDLE)).isLessThanOrEqualTo(48L << 20);
        List<String> entries = tarEntries(BUNDLE);
        assertThat(entries).contains("gpu-check/run.sh", "gpu-check/torch_peer.py", "gpu-check/runtime/bin/java",
                "gpu-check/lib/pinned-memory-core.jar", "gpu-check/lib/pinned-memory-gpu-check.jar", "gpu-check/lib/jcuda.jar",
                "gpu-check/lib/jcuda-natives-linux-x86_64.jar", "gpu-check/test-lib/junit-platform-console-standalone.jar",
                "gpu-check/tests/dev/pinnedmemory/cuda/CudaFenceTests.class",
                "gpu-check/tests/dev/pinnedmemory/backend/CudaBackendTests.class",
                "gpu-check/tests/dev/pinnedmemory/backend/CudaRegistrationTests.class",
                "gpu-check/natives/libJCudaRuntime-12.6.0-linux-x86_64.so", "gpu-check/natives/libJCudaDriver-12.6.0-linux-x86_64.so");
        assertThat(entries).noneMatch(entry -> entry.contains("jmods") || entry.endsWith(".java"));
        // gpu tests poll with a loop of their own: Awaitility would bring Hamcrest, and Hamcrest java.desktop (10 MiB)
        assertThat(entries).noneMatch(entry -> entry.contains("awaitility") || entry.contains("hamcrest")
                || entry.endsWith("/java.desktop"));
    }

    private static boolean noDevice() {
        return !PageLockingBackends.select(BackendKind.AUTO, false).report().name().equals("cuda");
    }

    private static int runQuietly(Path out) {
        try {
            return GpuCheck.run(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void bundleHome(Path home, Path tests) throws IOException {
        Files.createSymbolicLink(home.resolve("tests"), tests.toAbsolutePath());
        Files.copy(Path.of("gpu-check/torch_peer.py"), home.resolve("torch_peer.py"));
        System.setProperty("gpucheck.home", home.toString());
    }

    /** {@return the names in a gzipped ustar/GNU tar file} */
    private static List<String> tarEntries(Path tarball) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[512];
            String longName = null;
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                byte type = header[156];
                byte[] data = in.readNBytes((int) ((size + 511) / 512 * 512));
                if (type == 'L') {
                    longName = new String(data, 0, (int) size, StandardCharsets.UTF_8).replace("\0", "");
                    continue;
                }
                String full = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
                longName = null;
                names.add(full.endsWith("/") ? full.substring(0, full.length() - 1) : full);
            }
        }
        return names;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
