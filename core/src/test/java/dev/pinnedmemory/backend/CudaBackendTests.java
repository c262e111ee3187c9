package dev.pinnedmemory.backend;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
import dev.pinnedmemory.cuda.CudaPointers;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaPointerAttributes;
import jcuda.runtime.cudaMemoryType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Needs a CUDA driver and device: skipped (not failed) elsewhere. Run alone with {@code -Dgroups=gpu}. */
@Tag("gpu")
class CudaBackendTests {

    private static BackendSelection selection;

    @BeforeEach
    void requireDevice() {
        BackendSelection auto = PageLockingBackends.select(BackendKind.AUTO, false);
        assumeTrue(auto.report().name().equals("cuda"), () -> "no CUDA device: " + auto.report().skipped());
        selection = auto;
    }

    @Test
    void cudaBackendMemoryShouldBeReportedAsHostPinnedByTheDriver() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(selection.backend()).build();
             PinnedBuffer<byte[]> buffer = pool.rent()) {
            cudaPointerAttributes attributes = new cudaPointerAttributes();
            assertThat(JCuda.cudaPointerGetAttributes(attributes, CudaPointers.to(buffer.segment()))).isZero();
            assertThat(attributes.type).isEqualTo(cudaMemoryType.cudaMemoryTypeHost);
        }
    }

    @Test
    void hostToDeviceToHostThroughAPooledBufferShouldReturnTheSameBytes() {
        int length = 1 << 18;
        float[] data = new float[length];
        for (int i = 0; i < length; i++) {
            data[i] = i * 0.5f;
        }
        try (PinnedMemoryPool<float[]> pool = PinnedMemoryPool.builder(ElementType.FLOAT).bufferSize(length)
                .backend(selection.backend()).build();
             PinnedBuffer<float[]> up = pool.rent();
             PinnedBuffer<float[]> down = pool.rent()) {
            up.copyFrom(data);
            Pointer device = new Pointer();
            long bytes = up.byteSize();
            assertThat(JCuda.cudaMalloc(device, bytes)).isZero();
            try {
                assertThat(JCuda.cudaMemcpy(device, CudaPointers.to(up.segment()), bytes, cudaMemcpyKind.cudaMemcpyHostToDevice)).isZero();
                assertThat(JCuda.cudaMemcpy(CudaPointers.to(down.segment()), device, bytes, cudaMemcpyKind.cudaMemcpyDeviceToHost)).isZero();
            } finally {
                JCuda.cudaFree(device);
            }
            assertThat(down.toArray()).isEqualTo(data);
        }
    }

    @Test
    void writeCombinedPoolsShouldAskTheDriverForWriteCombinedPortableMemory() {
        try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .writeCombined(true).backend(selection.backend()).build();
             PinnedMemoryPool<byte[]> plain = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(1 << 20)
                .backend(selection.backend()).build();
             PinnedBuffer<byte[]> combined = pool.rent();
             PinnedBuffer<byte[]> ordinary = plain.rent()) {
            int[] flags = new int[1];
            // The runtime API has no cudaHostGetFlags in JCuda; the driver API's twin reads the same flags.
            assertThat(jcuda.driver.JCudaDriver.cuMemHostGetFlags(flags, CudaPointers.to(combined.segment()))).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_WRITECOMBINED).isNotZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE).isNotZero();
            assertThat(jcuda.driver.JCudaDriver.cuMemHostGetFlags(flags, CudaPointers.to(ordinary.segment()))).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_WRITECOMBINED).isZero();
            assertThat(flags[0] & jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE).isNotZero();
        }
    }

    @Test
    void freesOnAnotherThreadShouldLeaveThatThreadsCurrentDeviceAlone() throws Exception {
        int[] before = new int[1];
        int[] after = new int[1];
        Thread freer = Thread.ofPlatform().start(() -> {
            JCuda.cudaGetDevice(before);
            PinnedBuffer<byte[]> buffer = PinnedMemoryPool.builder(ElementType.BYTE).bufferSize(4096).maxSize(0)
                    .backend(selection.backend()).build().rent();
            buffer.close();   // maxSize 0: freed here, with the allocating device current
            JCuda.cudaGetDevice(after);
        });
        freer.join();
        assertThat(after[0]).isEqualTo(before[0]);
    }
}
