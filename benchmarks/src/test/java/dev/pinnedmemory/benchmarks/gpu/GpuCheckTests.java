package dev.pinnedmemory.benchmarks.gpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        System.clearProperty("gpucheck.home");
        System.clearProperty(GpuCheckFixtureTests.FAIL_PROPERTY);
    }

    @Test
    void aRunWithoutACudaDeviceShouldSayWhySkipEveryGpuTestAndPass(@TempDir Path home, @TempDir Path out) throws IOException {
        bundleHome(home, TEST_CLASSES);
        int status = GpuCheck.run(out);
        String json = Files.readString(out.resolve("gpu-check.json"));
        String text = Files.readString(out.resolve("gpu-check.txt"));
        assertThat(status).isZero();
        assertThat(json).contains("\"available\": false", "\"reason\": \"no CUDA device: ", "\"result\": \"pass\"",
                "\"name\": \"GpuCheckFixtureTests.aGpuTestShouldBeSkippedWithoutADevice\"", "\"status\": \"skipped\"",
                "\"passed\": 0", "\"failed\": 0", "\"skipped\": 1", "\"numaNodesOnline\"", "\"nvidiaSmi\"");
        assertThat(text).contains("cuda: no CUDA device: ", "tests (gpu tag): 0 passed, 0 failed, 1 skipped",
                "bandwidth and warm-up: skipped, no CUDA device", "pytorch: ", "result: pass");
    }

    @Test
    void aFailingGpuTestShouldFailTheCheckAndBeNamed(@TempDir Path home, @TempDir Path out) throws IOException {
        bundleHome(home, TEST_CLASSES);
        System.setProperty(GpuCheckFixtureTests.FAIL_PROPERTY, "true");
        assertThat(GpuCheck.run(out)).isEqualTo(1);
        assertThat(Files.readString(out.resolve("gpu-check.txt")))
                .contains("failed  GpuCheckFixtureTests.aGpuTestShouldBeSkippedWithoutADevice: AssertionFailedError: "
                        + "[fixture failing on purpose]", "result: fail (1 failed test(s))");
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
                "gpu-check/tests/dev/pinnedmemory/backend/CudaRegistrationTests.class");
        assertThat(entries).noneMatch(entry -> entry.contains("jmods") || entry.endsWith(".java"));
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
