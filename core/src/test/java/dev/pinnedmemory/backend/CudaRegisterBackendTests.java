package dev.pinnedmemory.backend;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cuda-register} where the driver refuses (this machine: JCuda loads, the driver is missing,
 * error 35): the refusal names the CUDA call and error, and nothing stays mapped.
 */
class CudaRegisterBackendTests {

    private String cudaProblem;

    @BeforeEach
    void requireNoDevice() {
        BackendReport auto = PageLockingBackends.select(BackendKind.AUTO, false).report();
        assumeTrue(!auto.name().equals("cuda"), "a CUDA device is present: CudaRegistrationTests (gpu) cover it");
        cudaProblem = auto.skipped().get("cuda");
    }

    @Test
    void askingForCudaRegisterWithoutADriverShouldFailNamingTheCudaError() {
        assertThatThrownBy(() -> PageLockingBackends.select(BackendKind.CUDA_REGISTER, false))
                .isInstanceOf(PageLockingUnavailableException.class)
                .hasMessageStartingWith("page-locked memory unavailable for backend 'cuda-register'; cuda-register: ")
                .hasMessageContaining(cudaProblem)
                .hasMessageContaining("Fix: use pinned-memory.backend=cuda, auto or mlock")
                .satisfies(e -> assertThat(((PageLockingUnavailableException) e).reasons()).containsKey("cuda-register"));
        assertThat(cudaProblem).contains("cudaErrorInsufficientDriver (35)");
    }

    @Test
    void autoShouldNeverPickCudaRegister() {
        assertThat(PageLockingBackends.select(BackendKind.AUTO, false).report().skipped()).doesNotContainKey("cuda-register");
        assertThat(BackendKind.parse("cuda-register")).isSameAs(BackendKind.CUDA_REGISTER);
        assertThat(BackendKind.parse("CUDA_REGISTER")).isSameAs(BackendKind.CUDA_REGISTER);
        assertThat(BackendKind.CUDA_REGISTER.configName()).isEqualTo("cuda-register");
    }

    @Test
    void aRefusedRegistrationShouldNameCudaHostRegisterAndUnmapTheMemory() {
        requireNodeZero();
        long boundBefore = boundMappings();
        CudaRegisterBackend backend = new CudaRegisterBackend(0);
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> backend.allocate(6 << 20, arena))
                    .isInstanceOf(BackendException.class)
                    .hasMessage("cudaHostRegister of 6 MiB refused: cudaErrorInsufficientDriver (35)")
                    .satisfies(e -> assertThat(((BackendException) e).requestedBytes()).isEqualTo(6 << 20));
        }
        assertThat(boundMappings()).isEqualTo(boundBefore);   // mapped, bound to node 0, touched, refused: unmapped
    }

    @Test
    void aRefusedRegistrationOfALargeRangeShouldHaveTouchedItOnSeveralThreadsAndUnmappedIt() {
        requireNodeZero();
        long boundBefore = boundMappings();
        long bytes = 2 * PreTouch.PARALLEL_FROM;
        try (Arena arena = Arena.ofShared()) {
            assertThatThrownBy(() -> new CudaRegisterBackend(0).allocate(bytes, arena))
                    .isInstanceOf(BackendException.class).hasMessageContaining("cudaHostRegister of 128 MiB refused");
        }
        assertThat(boundMappings()).isEqualTo(boundBefore);
    }

    @Test
    void placingTheCudaBackendShouldNeedARegistrationAndNameTheCudaErrorWhenItIsRefused() {
        requireNodeZero();
        CudaBackend cuda = new CudaBackend();
        assertThatThrownBy(() -> PageLockingBackends.placedOn(cuda, 0))
                .isInstanceOf(PageLockingUnavailableException.class)
                .hasMessageStartingWith("numa-node 0 with backend 'cuda' needs memory registered with cudaHostRegister, "
                        + "and the driver refused: cudaHostRegister of 2 MiB refused: cudaErrorInsufficientDriver (35)")
                .hasMessageEndingWith("Fix: set numa-node to auto or none, or use backend mlock");
        assertThat(PageLockingBackends.placedOnIfPossible(cuda, 0)).isSameAs(cuda);   // auto: unplaced, with a warning
        assertThat(PageLockingBackends.nodeOf(cuda)).isEqualTo(-1);
    }

    @Test
    void placingOtherBackendsShouldKeepTheirKindOfMemory() {
        requireNodeZero();
        PageLockingBackend register = PageLockingBackends.placedOn(new CudaRegisterBackend(-1), 0);
        assertThat(register.name()).isEqualTo("cuda-register");
        assertThat(PageLockingBackends.nodeOf(register)).isZero();
        assertThat(PageLockingBackends.placedOn(MlockBackend.INSTANCE, -1)).isSameAs(MlockBackend.INSTANCE);
        assertThat(PageLockingBackends.placedOn(MlockBackend.INSTANCE, 0).name()).isEqualTo("mlock");
        assertThat(PageLockingBackends.nodeOf(PageLockingBackends.placedOnIfPossible(MlockBackend.INSTANCE, 0))).isZero();
    }

    @Test
    void anEmptyAllocationShouldNeedNoDriver() {
        try (Arena arena = Arena.ofShared()) {
            assertThat(new CudaRegisterBackend(-1).allocate(0, arena).byteSize()).isZero();
        }
        assertThatThrownBy(() -> new CudaRegisterBackend(-1).allocate(-1, Arena.global()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bytes: -1 (expected: >= 0)");
    }

    /** These tests bind to node 0: skipped where this process's cpuset (Mems_allowed_list) excludes it. */
    private static void requireNodeZero() {
        assumeTrue(NumaTopology.system().allowedNodes().contains(0), "this process's cpuset excludes NUMA node 0");
    }

    /** Mappings bound to node 0 by anyone in this JVM: a refused allocation must leave the count as it was. */
    private static long boundMappings() {
        try {
            return Files.readAllLines(Path.of("/proc/self/numa_maps")).stream().filter(line -> line.contains(" bind:0 ")).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
