package dev.pinnedmemory.backend;


import dev.pinnedmemory.PinnedMemoryException;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BackendSelectionTests {

    @Test
    void autoShouldRecordWhyCudaWasSkippedAndPickMlockWhereLockingIsAllowed() {
        BackendSelection selection = PageLockingBackends.select(BackendKind.AUTO, false);
        assumeTrue(selection.report().cudaDeviceCount() <= 0, "a CUDA device is present; see CudaBackendTests");
        assertThat(selection.report().name()).isEqualTo("mlock");
        assertThat(selection.report().pageLocked()).isTrue();
        assertThat(selection.report().requested()).isEqualTo("auto");
        assertThat(selection.report().skipped()).containsOnlyKeys("cuda");
        assertThat(selection.report().skipped().get("cuda"))
                .satisfiesAnyOf(why -> assertThat(why).contains("cudaErrorInsufficientDriver (35)"),
                        why -> assertThat(why).contains("no CUDA device"),
                        why -> assertThat(why).contains("JCuda"));
        assertThat(selection.report().summary()).startsWith("mlock (page-locked); skipped cuda: ");
    }

    @Test
    void explicitCudaWithoutADriverShouldFailWithTheDriversReasonNotCrash() {
        assumeTrue(PageLockingBackends.select(BackendKind.AUTO, false).report().cudaDeviceCount() <= 0);
        assertThatThrownBy(() -> PageLockingBackends.select(BackendKind.CUDA, false))
                .isInstanceOf(PageLockingUnavailableException.class)
                .hasMessageContaining("backend 'cuda'")
                .hasMessageContaining("cuda: ")
                .hasMessageContaining("Fix:")
                .satisfies(e -> assertThat(((PageLockingUnavailableException) e).reasons()).containsKey("cuda"));
    }

    @Test
    void unlockedWhenPageLockingIsRequiredShouldFailNamingTheProperty() {
        assertThatThrownBy(() -> PageLockingBackends.select(BackendKind.UNLOCKED, true))
                .isInstanceOf(PageLockingUnavailableException.class)
                .hasMessageContaining("pinned-memory.require-page-locked");
        BackendSelection unlocked = PageLockingBackends.select(BackendKind.UNLOCKED, false);
        assertThat(unlocked.report().name()).isEqualTo("unlocked");
        assertThat(unlocked.report().pageLocked()).isFalse();
        assertThat(unlocked.report().summary()).isEqualTo("unlocked (NOT page-locked)");
    }

    @Test
    void parseShouldNameTheAllowedValues() {
        assertThat(BackendKind.parse("MLock")).isEqualTo(BackendKind.MLOCK);
        assertThatThrownBy(() -> BackendKind.parse("gpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend: 'gpu' (expected one of: auto, cuda, cuda-register, mlock, unlocked)");
    }

    @Test
    void mlockBeyondTheLimitShouldFailWithErrnoAndTheLimitAndLeaveNothingLocked() throws Exception {
        List<String> output = runRestricted("mlock", "false");
        assertThat(output).anySatisfy(line -> assertThat(line)
                .startsWith("REFUSED=page-locked memory unavailable for backend 'mlock'")
                .contains("ENOMEM (errno 12")
                .contains("RLIMIT_MEMLOCK 64 KiB")
                .contains("no CAP_IPC_LOCK"));
    }

    @Test
    void withoutIpcLockAndWithATinyMemlockLimitAutoShouldFallBackToUnlockedAndSayWhy() throws Exception {
        List<String> output = runRestricted("auto", "false");
        assertThat(output).contains("CHOSEN=unlocked", "VMLCK=VmLck: 0 kB");
        assertThat(output).anySatisfy(line -> assertThat(line).startsWith("SUMMARY=unlocked (NOT page-locked)")
                .contains("skipped cuda: ")
                .contains("skipped mlock: mlock of 1 MiB refused: ENOMEM (errno 12")
                .contains("RLIMIT_MEMLOCK 64 KiB"));
    }

    @Test
    void withoutIpcLockAndPageLockingRequiredAutoShouldFailWithAClearMessage() throws Exception {
        List<String> output = runRestricted("auto", "true");
        assertThat(output).anySatisfy(line -> assertThat(line)
                .startsWith("REFUSED=page-locked memory unavailable for backend 'auto'")
                .contains("mlock: mlock of 1 MiB refused: ENOMEM")
                .contains("Fix: grant CAP_IPC_LOCK or raise RLIMIT_MEMLOCK"));
    }

    @Test
    void aRefusedAllocationShouldThrowAProjectExceptionNamingTheSize() {
        PageLockingBackend failing = new PageLockingBackend() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public boolean pageLocked() {
                return true;
            }

            @Override
            public java.lang.foreign.MemorySegment allocate(long bytes, Arena arena) {
                throw new PinnedMemoryException("mlock of " + bytes + " bytes refused: ENOMEM", bytes);
            }
        };
        var pool = dev.pinnedmemory.PinnedMemoryPool.builder(dev.pinnedmemory.ElementType.INT).bufferSize(1024)
                .backend(failing).name("refusing").build();
        assertThatThrownBy(pool::rent).isInstanceOf(PinnedMemoryException.class)
                .hasMessageContaining("pool 'refusing' could not allocate a buffer of 1024 INT elements (4096 bytes)")
                .hasMessageContaining("ENOMEM")
                .satisfies(e -> assertThat(((PinnedMemoryException) e).requestedBytes()).isEqualTo(4096));
        assertThat(pool.stats().rents()).isZero();
        assertThat(pool.stats().pinnedBytes()).isZero();
        pool.close();
    }

    /** Runs FallbackMain in a child JVM without CAP_IPC_LOCK and with RLIMIT_MEMLOCK of 64 KiB. */
    private static List<String> runRestricted(String kind, String require) throws Exception {
        assumeTrue(onPath("setpriv") && onPath("prlimit"), "setpriv and prlimit (util-linux) are needed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock",
                "prlimit", "--memlock=65536:65536", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), FallbackMain.class.getName(), kind, require));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output.lines().toList();
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
