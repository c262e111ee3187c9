package dev.pinnedmemory.backend;

import dev.pinnedmemory.ElementType;
import dev.pinnedmemory.PinnedBuffer;
import dev.pinnedmemory.PinnedMemoryPool;
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

/** Needs a CUDA driver and device: skipped (not failed) elsewhere. Run alone with {@code -Dgroups=cuda}. */
@Tag("cuda")
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
}
