package dev.pinnedmemory.backend;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaMemoryType;
import jcuda.runtime.cudaPointerAttributes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code cuda-register} and NUMA-placed CUDA pools on a device. Needs a CUDA driver and device: skipped elsewhere. */
@Tag("gpu")
class CudaRegistrationTests {

    private BackendSelection register;

    @BeforeEach
    void requireDevice() {
        BackendSelection auto = PageLockingBackends.select(BackendKind.AUTO, false);
        assumeTrue(auto.report().name().equals("cuda"), () -> "no CUDA device: " + auto.report().skipped());
        register = PageLockingBackends.select(BackendKind.CUDA_REGISTER, true);
    }

    @Test
    void registeredMemoryShouldBeReportedAsHostPinnedByTheDriverAndSurviveARoundTrip() {
        int length = 8 << 20;
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(length)
                .backend(register.backend()).build();
             PinnedBuffer<byte[]> up = pool.rent();
             PinnedBuffer<byte[]> down = pool.rent()) {
            cudaPointerAttributes attributes = new cudaPointerAttributes();
            assertThat(JCuda.cudaPointerGetAttributes(attributes, CudaPointers.to(up.segment()))).isZero();
            assertThat(attributes.type).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
            up.fill(0x42);
            Pointer device = new Pointer();
            assertThat(JCuda.cudaMalloc(device, length)).isZero();
            try {
                assertThat(JCuda.cudaMemcpy(device, CudaPointers.to(up.segment()), length, cudaMemcpyKind.cudaMemcpyHostToDevice)).isZero();
                assertThat(JCuda.cudaMemcpy(CudaPointers.to(down.segment()), device, length, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            } finally {
                JCuda.cudaFree(device);
            }
            assertThat(down.toArray()[length - 1]).isEqualTo((byte) 0x42);
        }
    }

    @Test
    void aClosedRegisteredPoolShouldHaveUnregisteredItsMemory() {
        long address;
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4 << 20)
                .maxSize(0).backend(register.backend()).build()) {
            try (PinnedBuffer<byte[]> buffer = pool.rent()) {
                address = buffer.address();
            }
        }
        // The reclaimer unregisters off this thread; a freed range is unknown to the driver afterwards.
        long deadline = System.nanoTime() + 10_000_000_000L;
        int type;
        do {
            cudaPointerAttributes attributes = new cudaPointerAttributes();
            int code = JCuda.cudaPointerGetAttributes(attributes, new CudaAddress(address));
            type = code == 0 ? attributes.type : cudaMemoryType.cudaMemoryTypeUnregistered;
            Thread.onSpinWait();
        } while (type == cudaMemoryType.cudaMemoryTypeHost && System.nanoTime() < deadline);
        assertThat(type).isEqualTo(cudaMemoryType.cudaMemoryTypeUnregistered);
    }

    @Test
    void aCudaPoolPlacedOnTheDevicesNodeShouldBeRegisteredAndBound() throws IOException {
        int node = NumaTopology.system().resolve(NumaNode.AUTO);   // -1 where the cpuset excludes the device's node
        List<Integer> allowed = NumaTopology.system().allowedNodes();
        assumeTrue(!allowed.isEmpty(), "this process may bind to no NUMA node");
        int target = node >= 0 ? node : allowed.getFirst();
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4 << 20)
                .backend(PageLockingBackends.select(BackendKind.CUDA, true).backend()).numaNode(NumaNode.of(target)).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            assertThat(pool.backend().name()).isEqualTo("cuda-register");
            assertThat(pool.stats().numaNode()).isEqualTo(target);
            cudaPointerAttributes attributes = new cudaPointerAttributes();
            assertThat(JCuda.cudaPointerGetAttributes(attributes, CudaPointers.to(buffer.segment()))).isZero();
            assertThat(attributes.type).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
            assertThat(numaMapsLineOf(buffer.address())).contains(" bind:" + target + " ");
        }
    }

    /** {@return the numa_maps line of the mapping that holds {@code address}} */
    private static String numaMapsLineOf(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return Files.readAllLines(Path.of("/proc/self/numa_maps")).stream()
                        .filter(numa -> numa.startsWith(range[0] + " ")).findFirst()
                        .orElse("no numa_maps line for " + range[0]) + " ";
            }
        }
        return "unmapped";
    }

    /** A pointer to a raw address, for asking the driver about memory that was freed. */
    private static final class CudaAddress extends Pointer {
        CudaAddress(long address) {
            super(address);
        }
    }
}
